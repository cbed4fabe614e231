using Microsoft.EntityFrameworkCore;
using RefTrack.Data;

namespace RefTrack.Links;

/// <summary>A referrer's clicks of one UTC day within a batch: one row of the ParticipantDailyClicks rollup.</summary>
internal readonly record struct ParticipantClicks(
    Guid CampaignId, Guid ParticipantId, DateOnly Day, long Clicks, long UniqueClicks, long BotClicks);

/// <summary>
/// The click writer's set-based statements, run inside its transaction. One implementation per provider, because
/// the fast form differs: in-process SQLite re-steps one prepared statement per row, PostgreSQL sends each table's
/// rows in a single statement whatever the batch size: the clicks by binary COPY (two round trips), the rest as
/// arrays (one round trip, one plan).
/// </summary>
internal interface IClickStatements : IDisposable
{
    /// <summary>
    /// Inserts the batch's visitor keys, ignoring those already known, and sets each click's
    /// <see cref="Click.IsRepeat"/>: unique only when every key of the click is new, the device cookie's and without
    /// a cookie also address + browser's. A cookie-less click's device key is the one it mints; the same browser's
    /// next click carries it, and whichever of the two is written first (in one batch, or by another writer or node)
    /// makes the other a repeat. Within a batch the first click in order wins: of several clicks of one new visitor,
    /// only the first is unique, and each click's keys are all written (a repeat's fingerprint still counts).
    /// The primary key decides which keys are new, not a read, so two nodes never both count one visitor as unique.
    /// </summary>
    Task MarkRepeatsAsync(IReadOnlyList<PendingClick> batch, CancellationToken ct);

    Task InsertClicksAsync(IReadOnlyList<Click> clicks, CancellationToken ct);

    /// <summary>Adds to the per-referrer daily rollup; <paramref name="rows"/> has one entry per key.</summary>
    Task AddParticipantClicksAsync(IReadOnlyList<ParticipantClicks> rows, CancellationToken ct);
}

internal static class ClickStatements
{
    public static IClickStatements For(AppDbContext db) =>
        db.Database.IsSqlite() ? new SqliteClickStatements(db) : new PostgresClickStatements(db);
}
