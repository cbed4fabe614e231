namespace RefTrack.Links;

/// <summary>
/// Flags obvious automated clients by user agent. Flagged clicks are still recorded and redirected; they are
/// left out of the unique-visitor count.
/// </summary>
public static class BotDetector
{
    private static readonly string[] Markers =
    [
        "bot", "crawl", "spider", "slurp", "preview", "facebookexternalhit", "headless", "lighthouse",
        "curl/", "wget/", "python-requests", "python-urllib", "go-http-client", "java/", "okhttp", "httpclient",
    ];

    public static bool IsBot(string? userAgent) =>
        string.IsNullOrWhiteSpace(userAgent) ||
        Markers.Any(m => userAgent.Contains(m, StringComparison.OrdinalIgnoreCase));
}
