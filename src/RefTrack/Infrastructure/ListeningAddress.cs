namespace RefTrack.Infrastructure;

/// <summary>Where the service listens when nothing says otherwise: the README's <c>http://localhost:5080</c>.</summary>
public static class ListeningAddress
{
    public const string Default = "http://localhost:5080";

    /// <summary>
    /// Whether the host was told where to listen: <c>--urls</c> or <c>ASPNETCORE_URLS</c>, <c>ASPNETCORE_HTTP_PORTS</c> or
    /// <c>HTTPS_PORTS</c> (the official ASP.NET container images set <c>HTTP_PORTS=8080</c>: overriding it with a
    /// loopback address would leave a container unreachable), or Kestrel endpoints in configuration.
    /// </summary>
    public static bool IsConfigured(IConfiguration configuration) =>
        !string.IsNullOrEmpty(configuration["urls"])
        || !string.IsNullOrEmpty(configuration["http_ports"])
        || !string.IsNullOrEmpty(configuration["https_ports"])
        || configuration.GetSection("Kestrel:Endpoints").Exists();
}
