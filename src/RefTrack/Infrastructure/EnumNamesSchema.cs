using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace RefTrack.Infrastructure;

/// <summary>
/// Gives a property or query parameter marked <see cref="EnumNamesAttribute"/> its allowed values (<c>enum</c>), as
/// <see cref="Validator.Enum{T}"/> accepts them, so generated clients offer the names instead of free text. An
/// optional property's schema keeps
/// <c>null</c> among its values: the validator takes null as the default, and without it a gateway that checks
/// bodies against the document would refuse one the service accepts (found by review).
/// </summary>
internal sealed class EnumNamesSchema : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        var attributes = context.JsonPropertyInfo?.AttributeProvider?.GetCustomAttributes(inherit: false)
            ?? (context.ParameterDescription?.ParameterDescriptor as IParameterInfoParameterDescriptor)?.ParameterInfo
                .GetCustomAttributes(inherit: false)
            ?? [];
        if (attributes.OfType<EnumNamesAttribute>().FirstOrDefault() is { } names)
        {
            var values = Enum.GetNames(names.EnumType).Select(n => (JsonNode)JsonValue.Create(Validator.JsonName(n)));
            schema.Enum = [.. schema.Type?.HasFlag(JsonSchemaType.Null) == true ? values.Append(null!) : values];
        }

        return Task.CompletedTask;
    }
}
