using System.ComponentModel.DataAnnotations;

namespace RefTrack.Infrastructure;

/// <summary>
/// On a list's <c>limit</c> parameter: the range <see cref="PageRequest.Parse"/> accepts, 1 to
/// <see cref="PageRequest.MaxLimit"/>, which the OpenAPI document gives as the parameter's minimum and maximum, and
/// its default, <see cref="PageRequest.DefaultLimit"/> (<see cref="EnumNamesSchema"/>). Documentation only: the
/// parser checks the value and says what is wrong with it, as for every other field.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, Inherited = false)]
public sealed class PageLimitAttribute() : RangeAttribute(1, PageRequest.MaxLimit);
