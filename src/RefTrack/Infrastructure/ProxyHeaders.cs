using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using IPNetwork = System.Net.IPNetwork;

namespace RefTrack.Infrastructure;

/// <summary>
/// Nodes behind a load balancer see the balancer's address, not the visitor's: the unknown-code rate limit would
/// then throttle every visitor at once and cookieless visitors would all look like one. RefTrack takes the visitor's
/// address (and scheme) from <c>X-Forwarded-For</c> / <c>X-Forwarded-Proto</c>, but only on connections from the
/// networks named in <c>RefTrack:Proxy:TrustedNetworks</c>: with none configured (the default, a node facing the
/// internet) the headers are ignored, since anybody can send them.
/// </summary>
public static partial class ProxyHeaders
{
    public const string Section = "RefTrack:Proxy:TrustedNetworks";

    public static IServiceCollection AddRefTrackProxyHeaders(this IServiceCollection services, IConfiguration configuration)
    {
        var networks = TrustedNetworks(configuration);
        services.Configure<ForwardedHeadersOptions>(o =>
        {
            // None without a trusted network, not only no middleware of ours: ASP.NET Core adds the middleware by
            // itself under ASPNETCORE_FORWARDEDHEADERS_ENABLED=true (hosting guides set it), with these options, and
            // with no known network and no forward limit it would believe the leftmost entry, the client's own.
            o.ForwardedHeaders = networks.Count == 0
                ? ForwardedHeaders.None
                : ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // Every trusted hop, not ASP.NET's default of one: behind a CDN and a balancer (both trusted) the last
            // entry is the CDN's address, and all visitors would be one. The walk stops at the first address that is
            // not trusted, which is the visitor's.
            o.ForwardLimit = null;
            o.KnownIPNetworks.Clear();
            o.KnownProxies.Clear();
            foreach (var network in networks)
            {
                o.KnownIPNetworks.Add(network);
            }
        });
        return services;
    }

    /// <summary>Adds the middleware only when some network is trusted.</summary>
    public static WebApplication UseRefTrackProxyHeaders(this WebApplication app)
    {
        if (TrustedNetworks(app.Configuration).Count > 0)
        {
            app.UseForwardedHeaders();
        }

        return app;
    }

    /// <summary>CIDR ranges (<c>10.0.0.0/8</c>) or single addresses, as a list or one comma-separated value.</summary>
    internal static IReadOnlyList<IPNetwork> TrustedNetworks(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var values = section.GetChildren().Select(c => c.Value).Append(section.Value)
            .SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return values.Select(Parse).ToList();
    }

    private static IPNetwork Parse(string value)
    {
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        if (IsFullAddress(slash < 0 ? value : value[..slash]))
        {
            if (slash >= 0 && IPNetwork.TryParse(value, out var network))
            {
                return network;
            }

            if (slash < 0 && IPAddress.TryParse(value, out var address))
            {
                return new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            }
        }

        throw new InvalidOperationException(
            $"{Section}: '{value}' is neither an address nor a CIDR range written in full, its address ending where its " +
            "prefix does (10.0.0.0/8, fd00::/8; 10.1.0.0/16, not 10.1.2.3/16).");
    }

    /// <summary>
    /// An IPv6 address, or an IPv4 address in four dotted parts. The framework's parsing also takes the shorthands of
    /// inet_aton, where "10" is 0.0.0.10 and "192.168" is 192.0.0.168, so "10/8" read as 0.0.0.0/8: start-up went on
    /// and the balancer was silently not trusted.
    /// </summary>
    private static bool IsFullAddress(string text) =>
        text.Contains(':', StringComparison.Ordinal) || FourDottedParts().IsMatch(text);

    [System.Text.RegularExpressions.GeneratedRegex(@"^[0-9]{1,3}(\.[0-9]{1,3}){3}$")]
    private static partial System.Text.RegularExpressions.Regex FourDottedParts();
}
