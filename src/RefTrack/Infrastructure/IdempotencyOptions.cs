using System.ComponentModel.DataAnnotations;

namespace RefTrack.Infrastructure;

/// <summary>Bound from <c>RefTrack:Idempotency</c>.</summary>
public sealed class IdempotencyOptions
{
    public const string Section = "RefTrack:Idempotency";

    /// <summary>
    /// How long an <c>Idempotency-Key</c> is remembered, from its claim: after this a request with it runs as new, and
    /// <see cref="IdempotencySweep"/> deletes its record. 24 hours, as Stripe keeps keys: far beyond any client's retry
    /// schedule. At least an hour, far beyond any live request (<see cref="IdempotencyClaims.StaleAfter"/>), so a claim
    /// this old was left by a process that died, never one whose request still runs. At most a year, so that "now
    /// minus the retention" is always a time.
    /// </summary>
    [Range(1, 8760, ErrorMessage = "RefTrack:Idempotency:RetentionHours must be between {1} and {2} (hours).")]
    public int RetentionHours { get; set; } = 24;

    public TimeSpan Retention => TimeSpan.FromHours(RetentionHours);
}
