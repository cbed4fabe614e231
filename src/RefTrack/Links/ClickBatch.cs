using RefTrack.Data;
using RefTrack.Reports;

namespace RefTrack.Links;

/// <summary>
/// Writes one batch of clicks inside the caller's transaction: the visitor keys that decide repeats, the clicks, and
/// the rollups, each as one set-based step (<see cref="IClickStatements"/>).
/// </summary>
internal static class ClickBatch
{
    /// <param name="referrerRollup">SQLite: the per-referrer rollup summed over batches while clicks keep coming;
    /// null: written with each batch (PostgreSQL, whose writers run concurrently).</param>
    /// <param name="catchUp">Nothing pending may stay unwritten after this batch (see <see cref="SqliteReferrerRollup"/>).</param>
    public static async Task WriteAsync(AppDbContext db, IReadOnlyList<PendingClick> batch,
        SqliteReferrerRollup? referrerRollup, bool catchUp, CancellationToken ct)
    {
        using var statements = ClickStatements.For(db);
        var fresh = await statements.InsertVisitorsAsync(VisitorRows(batch), ct);
        foreach (var pending in batch)
        {
            // Unique only when every key of the click is new: the device cookie's, and without a cookie also address +
            // browser's. A cookie-less click's device key is the one it mints; the same browser's next click carries
            // it, and whichever of the two is written first (in one batch, or by another writer or node) makes the
            // other a repeat. Removed, each of them: of several clicks of one new visitor in a batch, only the first
            // is unique. (Both removals run: a && would skip the second.)
            var code = pending.Click.ReferralCodeId;
            var newDevice = fresh.Remove((code, pending.DeviceKey));
            var newAddress = pending.FingerprintKey is not { } fingerprint || fresh.Remove((code, fingerprint));
            pending.Click.IsRepeat = !(newDevice && newAddress);
        }

        var clicks = batch.Select(p => p.Click).ToList();
        await statements.InsertClicksAsync(clicks, ct);

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

    /// <summary>
    /// Every visitor key of the batch once: the device key always, address + browser without a cookie.
    /// The primary key decides which are new, not a read, so two nodes never both count the same visitor as unique.
    /// </summary>
    private static List<(Guid Campaign, Guid Code, string Key)> VisitorRows(IReadOnlyList<PendingClick> batch)
    {
        // Sized for two keys a click up front: grown by doubling, these arrays were a tenth of the hot link's bytes
        // allocated (bench/profile --allocations).
        var rows = new List<(Guid Campaign, Guid Code, string Key)>(batch.Count * 2);
        var seen = new HashSet<(Guid, string)>(batch.Count * 2);
        foreach (var p in batch)
        {
            Add(p.Click, p.DeviceKey);
            if (p.FingerprintKey is { } fingerprint)
            {
                Add(p.Click, fingerprint);
            }
        }

        return rows;

        void Add(Click click, string key)
        {
            if (seen.Add((click.ReferralCodeId, key)))
            {
                rows.Add((click.CampaignId, click.ReferralCodeId, key));
            }
        }
    }
}
