using System.Buffers;

namespace RefTrack.Links;

/// <summary>
/// Flags obvious automated clients by user agent. Flagged clicks are still recorded and redirected; they are
/// left out of the unique-visitor count.
/// </summary>
/// <remarks>
/// Every marker but "bot" counts wherever it appears. "bot" counts only as a word of its own, at either end — the
/// end of "Googlebot/2.1", "AhrefsBot;", "Slackbot-LinkExpanding", "Mail.RU_Bot", "robots)", or the start of
/// "BotPoke" — as the isbot project matches it; inside a word ("Banca Caboto") it is not a marker, nor is the
/// Cubot phone maker's name ("CUBOT P40", "CUBOT_P20"). The substring search stays the only work for a browser's
/// user agent; the word check runs only where "bot" was found.
/// </remarks>
public static class BotDetector
{
    private const string Bot = "bot";

    private static readonly SearchValues<string> Markers = SearchValues.Create(
    [
        Bot, "crawl", "spider", "slurp", "preview", "facebookexternalhit", "headless", "lighthouse",
        "curl/", "wget/", "python-requests", "python-urllib", "go-http-client", "java/", "okhttp", "httpclient",
    ], StringComparison.OrdinalIgnoreCase);

    public static bool IsBot(string? userAgent)
    {
        if (string.IsNullOrWhiteSpace(userAgent))
        {
            return true;
        }

        var ua = userAgent.AsSpan();
        var from = 0;
        while (ua[from..].IndexOfAny(Markers) is var found and >= 0)
        {
            var at = from + found;
            // No other marker starts with "b", so a hit that reads "bot" is that marker.
            if (!ua[at..].StartsWith(Bot, StringComparison.OrdinalIgnoreCase) || IsBotWord(ua, at))
            {
                return true;
            }

            from = at + Bot.Length;
        }

        return false;
    }

    /// <summary>Whether the "bot" at <paramref name="at"/> starts a word or ends one (then optionally as "bots").
    /// </summary>
    private static bool IsBotWord(ReadOnlySpan<char> ua, int at)
    {
        if (at >= 2 && ua.Slice(at - 2, 2).Equals("cu", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (at == 0 || !char.IsAsciiLetterOrDigit(ua[at - 1]))
        {
            return true;
        }

        var end = at + Bot.Length;
        return EndsWord(ua, end) || (ua[end] is 's' or 'S' && EndsWord(ua, end + 1));
    }

    private static bool EndsWord(ReadOnlySpan<char> ua, int next) => next == ua.Length || !char.IsAsciiLetterOrDigit(ua[next]);
}
