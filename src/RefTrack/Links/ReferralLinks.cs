using System.Reflection;
using Microsoft.Extensions.Options;

namespace RefTrack.Links;

/// <summary>Builds <c>{publicBaseUrl}/r/{code}</c>.</summary>
/// <remarks>
/// Bound from the request by the endpoints that take it (<see cref="IBindableFromHttpContext{TSelf}"/>), not resolved
/// through <c>IHttpContextAccessor</c>: with an accessor registered, the host stops reusing a connection's
/// <c>HttpContext</c> from one request to the next and sets an async-local value per request, which cost every
/// redirect a new context and its request, response and connection objects (docs/benchmarks-log.md).
/// </remarks>
public sealed class ReferralLinks(IOptions<PublicUrlOptions> options, HttpRequest request)
    : IBindableFromHttpContext<ReferralLinks>
{
    public static ValueTask<ReferralLinks?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        ValueTask.FromResult<ReferralLinks?>(new ReferralLinks(
            context.RequestServices.GetRequiredService<IOptions<PublicUrlOptions>>(), context.Request));

    public string For(string code)
    {
        var baseUrl = options.Value.LinkBase() ?? $"{request.Scheme}://{request.Host}{request.PathBase}";
        return $"{baseUrl}/r/{Uri.EscapeDataString(code)}";
    }
}
