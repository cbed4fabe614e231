using System.Buffers;

namespace RefTrack.Links;

/// <summary>
/// Flags obvious automated clients by user agent. Flagged clicks are still recorded and redirected; they are
/// left out of the unique-visitor count.
/// </summary>
public static class BotDetector
{
    private static readonly SearchValues<string> Markers = SearchValues.Create(
    [
        "bot", "crawl", "spider", "slurp", "preview", "facebookexternalhit", "headless", "lighthouse",
        "curl/", "wget/", "python-requests", "python-urllib", "go-http-client", "java/", "okhttp", "httpclient",
    ], StringComparison.OrdinalIgnoreCase);

    public static bool IsBot(string? userAgent) =>
        string.IsNullOrWhiteSpace(userAgent) ||
        userAgent.AsSpan().ContainsAny(Markers);
}
