using Microsoft.Extensions.Options;

namespace RefTrack.Links;

/// <summary>Builds <c>{publicBaseUrl}/r/{code}</c>.</summary>
public sealed class ReferralLinks(IOptions<PublicUrlOptions> options, IHttpContextAccessor accessor)
{
    public string For(string code)
    {
        var configured = options.Value.PublicBaseUrl?.TrimEnd('/');
        var baseUrl = configured ?? (accessor.HttpContext?.Request is { } r ? $"{r.Scheme}://{r.Host}{r.PathBase}" : "");
        return $"{baseUrl}/r/{Uri.EscapeDataString(code)}";
    }
}
