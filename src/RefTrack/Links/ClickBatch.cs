using System.Diagnostics;
using RefTrack.Data;
using RefTrack.Reports;

namespace RefTrack.Links;

/// <summary>
/// Writes one batch of clicks inside the caller's transaction: the visitor keys that decide repeats, the clicks, and
/// the rollups, each as one step of <see cref="IClickStatements"/>.
/// </summary>
internal static class ClickBatch
{
    /// <summary>Where a batch's statements spent their time, for the click writer's debug line
    /// (<see cref="ClickWriter"/>): the visitor keys, the clicks, and the rollups.</summary>
    public readonly record struct Times(TimeSpan Keys, TimeSpan Clicks, TimeSpan Rollups);

    /// <param name="referrerRollup">SQLite: the per-referrer rollup summed over batches while clicks keep coming;
    /// null: written with each batch (PostgreSQL, whose writers run concurrently).</param>
    /// <param name="catchUp">Nothing pending may stay unwritten after this batch (see <see cref="SqliteReferrerRollup"/>).</param>
    public static async Task<Times> WriteAsync(AppDbContext db, IReadOnlyList<PendingClick> batch,
        SqliteReferrerRollup? referrerRollup, bool catchUp, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        using var statements = ClickStatements.For(db);
        await statements.MarkRepeatsAsync(batch, ct);
        var keysWritten = Stopwatch.GetTimestamp();

        var clicks = batch.Select(p => p.Click).ToList();
        await statements.InsertClicksAsync(clicks, ct);
        var clicksWritten = Stopwatch.GetTimestamp();

        var perReferrer = clicks
            .GroupBy(c => (c.CampaignId, c.ParticipantId, Day: DateOnly.FromDateTime(c.OccurredAt)))
            .Select(g => new ParticipantClicks(g.Key.CampaignId, g.Key.ParticipantId, g.Key.Day,
                g.Count(), g.Count(IsUnique), g.Count(c => c.IsBot)))
            .ToList();
        if (referrerRollup is null)
        {
            // PostgreSQL: the per-referrer rows last, just before the commit. Concurrent writers (a node's, other
            // nodes') wait for each other at a popular referrer's row, and a row taken here is held until the commit;
            // the campaign-wide rows before it are each transaction's own (RollupBatch's delta slots), so nothing
            // waits for them.
            await WriteCampaignRollupsAsync(db, clicks, ct);
            await statements.AddParticipantClicksAsync(perReferrer, ct);
        }
        else
        {
            await referrerRollup.WriteAsync(db, statements, perReferrer, catchUp, ct);
            await WriteCampaignRollupsAsync(db, clicks, ct);
        }

        return new Times(Stopwatch.GetElapsedTime(started, keysWritten),
            Stopwatch.GetElapsedTime(keysWritten, clicksWritten), Stopwatch.GetElapsedTime(clicksWritten));
    }

    private static async Task WriteCampaignRollupsAsync(AppDbContext db, List<Click> clicks, CancellationToken ct)
    {
        foreach (var campaign in clicks.GroupBy(c => c.CampaignId).OrderBy(g => g.Key))
        {
            var rollups = new RollupBatch(campaign.Key);
            foreach (var day in campaign.GroupBy(c => DateOnly.FromDateTime(c.OccurredAt)))
            {
                rollups.Campaign(day.First().OccurredAt, new CampaignDelta(
                    Clicks: day.Count(), UniqueClicks: day.Count(IsUnique), BotClicks: day.Count(c => c.IsBot)));
            }

            await rollups.WriteAsync(db, ct);
        }
    }

    /// <summary>A unique visitor: first click of this visitor on this code, and not a bot.</summary>
    public static bool IsUnique(Click click) => !click.IsRepeat && !click.IsBot;
}
