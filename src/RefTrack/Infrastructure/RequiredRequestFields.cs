using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace RefTrack.Infrastructure;

/// <summary>
/// Takes null out of the type of every required field of a JSON request body, so that generated clients type them
/// <c>string</c>, not <c>string?</c>. The request records keep them nullable on purpose: a missing field binds as null
/// and reaches <c>Validate()</c>, which answers the 400 validation problem that names every missing field (a
/// non-nullable or <c>required</c> property would be refused by the JSON reader instead, one field at a time). The
/// validator refuses null as it refuses a missing field, so null was never a value the server takes for them (nor
/// among an enum's values).
/// </summary>
internal sealed class RequiredRequestFields : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        var bodies = from item in document.Paths.Values
                     from operation in item.Operations?.Values.AsEnumerable() ?? []
                     from media in operation.RequestBody?.Content?.Values.AsEnumerable() ?? []
                     select media.Schema;
        // Request bodies are components, referenced from their operations; only their own schemas are changed.
        foreach (var id in bodies.OfType<OpenApiSchemaReference>().Select(r => r.Reference.Id).Distinct())
        {
            if (id is null || document.Components?.Schemas is not { } schemas ||
                !schemas.TryGetValue(id, out var schema) || schema is not OpenApiSchema body)
            {
                continue;
            }

            foreach (var name in body.Required ?? new HashSet<string>())
            {
                if (body.Properties is { } properties && properties.TryGetValue(name, out var found) &&
                    found is OpenApiSchema { Type: { } type } property)
                {
                    property.Type = type & ~JsonSchemaType.Null;
                    property.Enum = property.Enum?.Where(v => v is not null).ToList(); // EnumNamesSchema's null.
                }
            }
        }

        return Task.CompletedTask;
    }
}
