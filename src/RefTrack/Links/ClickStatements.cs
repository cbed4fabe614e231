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
    /// <summary>Inserts the visitor keys, ignoring those already known; returns the ones that were new.</summary>
    Task<HashSet<(Guid Code, string Key)>> InsertVisitorsAsync(
        IReadOnlyList<(Guid Campaign, Guid Code, string Key)> rows, CancellationToken ct);

    Task InsertClicksAsync(IReadOnlyList<Click> clicks, CancellationToken ct);

    /// <summary>Adds to the per-referrer daily rollup; <paramref name="rows"/> has one entry per key.</summary>
    Task AddParticipantClicksAsync(IReadOnlyList<ParticipantClicks> rows, CancellationToken ct);
}

internal static class ClickStatements
{
    public static IClickStatements For(AppDbContext db) =>
        db.Database.IsSqlite() ? new SqliteClickStatements(db) : new PostgresClickStatements(db);
}
