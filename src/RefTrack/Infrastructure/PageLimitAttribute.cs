using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace RefTrack.Infrastructure;

/// <summary>
/// On a list's <c>limit</c> parameter: the range <see cref="PageRequest.Parse"/> accepts, 1 to
/// <see cref="PageRequest.MaxLimit"/>, which the OpenAPI document gives as the parameter's minimum and maximum, and
/// its default, <see cref="PageRequest.DefaultLimit"/> (<see cref="PageLimitSchema"/>). Documentation only: the
/// parser checks the value and says what is wrong with it, as for every other field.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, Inherited = false)]
public sealed class PageLimitAttribute() : RangeAttribute(1, PageRequest.MaxLimit);

/// <summary>A <see cref="PageLimitAttribute"/> parameter's default in the OpenAPI document.</summary>
internal sealed class PageLimitSchema : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        if ((context.ParameterDescription?.ParameterDescriptor as IParameterInfoParameterDescriptor)?.ParameterInfo
            .IsDefined(typeof(PageLimitAttribute), inherit: false) == true)
        {
            schema.Default = JsonValue.Create(PageRequest.DefaultLimit);
        }

        return Task.CompletedTask;
    }
}
