namespace RefTrack.Infrastructure;

/// <summary>
/// On a request's <c>string?</c> property or query parameter that <see cref="Validator.Enum{T}"/> parses: the values
/// it takes are the camelCase names of <paramref name="enumType"/>. It stays a string so that a wrong value gets the
/// validator's message (the accepted values) instead of a binding error; <see cref="EnumNamesSchema"/> lists the
/// values in the OpenAPI document.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter, Inherited = false)]
public sealed class EnumNamesAttribute(Type enumType) : Attribute
{
    public Type EnumType { get; } = enumType;
}
