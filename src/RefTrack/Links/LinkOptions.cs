using System.ComponentModel.DataAnnotations;
using RefTrack.Infrastructure;

namespace RefTrack.Links;

/// <summary>Bound from <c>RefTrack:Links</c>.</summary>
public sealed class LinkOptions
{
    public const string Section = "RefTrack:Links";

    /// <summary>
    /// How long a node keeps a code it looked up. A code disabled or enabled on one node is dropped from every node's
    /// cache within about a second (<see cref="CodeChangeFeed"/>; at once on the node that changed it), so this only
    /// bounds the cache's size and how long a node that missed a change (its clock more than 10 s off) could serve
    /// the old answer. A longer time spares a database read for a code clicked again after a while; the benchmark's
    /// many links did not run faster at full scale for it (docs/benchmarks-log.md).
    /// </summary>
    [Range(0, 3600, ErrorMessage = "RefTrack:Links:CodeCacheSeconds must be between {1} and {2}.")]
    public int CodeCacheSeconds { get; set; } = 300;

    /// <summary>Unknown-code hits one client address may make per minute before getting 429 (a code over 32
    /// characters or cached as unknown counts with no lookup, a HEAD request as a GET); until its
    /// Retry-After has passed it then gets 429 for any code this node has not cached, without a lookup.</summary>
    [Range(1, 100_000, ErrorMessage = "RefTrack:Links:UnknownCodeLimitPerMinute must be between {1} and {2}.")]
    public int UnknownCodeLimitPerMinute { get; set; } = 30;

    /// <summary>Optional cookie domain (e.g. <c>.example.com</c>) to share the click cookie with the product's site.
    /// It must cover <see cref="PublicUrlOptions.PublicBaseUrl"/>'s host, or browsers drop both cookies
    /// (<see cref="CookieDomainValidation"/>).</summary>
    public string? CookieDomain { get; set; }

    /// <summary>Clicks waiting for the writer; when full, redirects wait (back-pressure) rather than drop clicks.</summary>
    [Range(100, 1_000_000, ErrorMessage = "RefTrack:Links:ClickQueueCapacity must be between {1} and {2}.")]
    public int ClickQueueCapacity { get; set; } = 10_000;

    /// <summary>Most clicks committed in one transaction.</summary>
    [Range(1, 10_000, ErrorMessage = "RefTrack:Links:ClickBatchSize must be between {1} and {2}.")]
    public int ClickBatchSize { get; set; } = 500;

    /// <summary>
    /// Under load, at most one batch of clicks begun per this many milliseconds: clicks that arrive meanwhile join the
    /// batch, so a burst costs fewer commits (each an fsync and a rewrite of the pages the batch touched). A lone click
    /// is written at once when the previous batch began longer ago than this; a full batch or a waiting signup does not
    /// wait. 0: begin a batch whenever a writer is free (<see cref="ClickWriters"/>).
    /// </summary>
    [Range(0, 1_000, ErrorMessage = "RefTrack:Links:ClickBatchMilliseconds must be between {1} and {2}.")]
    public int ClickBatchMilliseconds { get; set; } = 10;

    /// <summary>
    /// SQLite: while clicks keep coming, the click writer sums each referrer's daily click counts over 40 batches
    /// before writing them (each referrer's row then costs one page write a window, not one a batch); after this many
    /// milliseconds without a click it writes what it holds. So a participant's click counts are exact this long after
    /// the clicks stop, and lag them by at most 80 batches meanwhile. Stopping the service writes them at once; a
    /// signup's flush (it waits for the click it names) does not, so signups amid clicks do not cut the window short.
    /// </summary>
    [Range(1, 60_000, ErrorMessage = "RefTrack:Links:ClickRollupIdleMilliseconds must be between {1} and {2}.")]
    public int ClickRollupIdleMilliseconds { get; set; } = 100;

    /// <summary>
    /// PostgreSQL: batches of clicks being written at once, each in its own transaction on its own connection, so the
    /// next batch's statements run while the previous one commits. SQLite admits one writer at a time, so there the
    /// click writer always writes one batch at a time.
    /// </summary>
    [Range(1, 8, ErrorMessage = "RefTrack:Links:ClickWriters must be between {1} and {2}.")]
    public int ClickWriters { get; set; } = 2;
}

/// <summary>Bound from <c>RefTrack</c>: values that are not owned by one feature.</summary>
public sealed class PublicUrlOptions : IValidatableObject
{
    public const string Section = "RefTrack";

    /// <summary>Base of referral links, e.g. <c>https://refer.example.com</c> or <c>https://example.com/ref</c>.
    /// Default: the request's scheme and host.</summary>
    public string? PublicBaseUrl { get; set; }

    private string? _linkBase;

    /// <summary><see cref="PublicBaseUrl"/> as links carry it (<see cref="AsciiUrl"/>: an internationalised host in its
    /// IDN form, other non-ASCII characters percent-encoded), without a trailing slash; null when it is not set. Only
    /// after <see cref="Validate"/> accepted it.</summary>
    public string? LinkBase() =>
        PublicBaseUrl is null ? null : _linkBase ??= AsciiUrl.Format(new Uri(PublicBaseUrl))!.TrimEnd('/');

    /// <summary>
    /// An absolute http(s) address with a host, and nothing a link could not be appended to (a query, a fragment,
    /// credentials). <c>[Url]</c> checked only the scheme's prefix, so <c>https://</c> (<c>https://$HOST</c> with
    /// HOST unset) started and gave links like <c>https:/r/CODE</c>.
    /// </summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (PublicBaseUrl is null)
        {
            yield break;
        }

        if (!Uri.TryCreate(PublicBaseUrl, UriKind.Absolute, out var uri)
            || uri.Scheme is not ("http" or "https")
            || string.IsNullOrEmpty(uri.Host)
            || PublicBaseUrl.Any(char.IsWhiteSpace)
            || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0
            || AsciiUrl.Format(uri) is null)
        {
            yield return new ValidationResult(
                $"RefTrack:PublicBaseUrl must be an absolute http or https address with a host and no query, fragment or credentials, e.g. https://refer.example.com; got '{PublicBaseUrl}'.",
                [nameof(PublicBaseUrl)]);
        }
    }
}
