using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace RefTrack.Infrastructure;

/// <summary>
/// Gives a property marked <see cref="EnumNamesAttribute"/> its allowed values (<c>enum</c>), as
/// <see cref="Validator.Enum{T}"/> accepts them, so generated clients offer the names instead of free text.
/// </summary>
internal sealed class EnumNamesSchema : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        if (context.JsonPropertyInfo?.AttributeProvider?.GetCustomAttributes(typeof(EnumNamesAttribute), inherit: false)
                is [EnumNamesAttribute names, ..])
        {
            schema.Enum = [.. Enum.GetNames(names.EnumType).Select(n => (JsonNode)JsonValue.Create(Validator.JsonName(n)))];
        }

        return Task.CompletedTask;
    }
}
