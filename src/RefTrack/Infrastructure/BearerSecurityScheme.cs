using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace RefTrack.Infrastructure;

/// <summary>
/// Declares the API key (<c>Authorization: Bearer rt_…</c>) in the OpenAPI document, for the whole API: generated
/// clients then send it, and the API reference page at <c>/docs</c> offers a field for it. <c>/r/{code}</c> and
/// <c>/healthz</c> need no key; the document says so for them.
/// </summary>
internal sealed class BearerSecurityScheme : IOpenApiDocumentTransformer
{
    public const string Name = "ApiKey";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[Name] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An API key (rt_…). Admin keys manage keys at /api/v1/api-keys; campaign keys see one campaign.",
        };
        var requirement = new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Name, document)] = [] };
        foreach (var (path, item) in document.Paths)
        {
            var anonymous = !path.StartsWith("/api/", StringComparison.Ordinal);
            foreach (var operation in item.Operations?.Values.AsEnumerable() ?? [])
            {
                operation.Security = anonymous ? [] : [requirement];
            }
        }

        return Task.CompletedTask;
    }
}
