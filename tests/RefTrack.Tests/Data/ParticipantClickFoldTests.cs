using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RefTrack.Data;
using RefTrack.Reports;
using RefTrack.Tests.Infrastructure;
using RefTrack.Tests.Integration;

namespace RefTrack.Tests.Data;

public sealed class ParticipantClickFoldTestsSqlite() : ParticipantClickFoldTests(Provider.Sqlite);

public sealed class ParticipantClickFoldTestsPostgres() : ParticipantClickFoldTests(Provider.Postgres);

/// <summary>
/// The click writer appends each batch's per-referrer clicks as rows of their own (<see cref="ParticipantClickDelta"/>),
/// and <see cref="RollupFolder"/> folds them into the daily rows. Participant stats must count a click exactly once
/// whether it is still a delta or already folded, and folding while clicks are written (two folders at once, as two
/// nodes would) must move every delta exactly once.
/// </summary>
public abstract class ParticipantClickFoldTests(Provider provider)
{
    [Fact]
    public async Task Folding_while_clicks_are_written_moves_every_delta_into_the_daily_rows_once()
    {
        using var app = new TestApp(provider, TestApp.ClickBatchesOfOne(writers: 2));
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var codes = new[]
        {
            (await client.Register(campaignId, "alice")).Str("referralCode"),
            (await client.Register(campaignId, "bob")).Str("referralCode"),
        };
        var folder = app.Services.GetRequiredService<RollupFolder>();

        var clicking = Task.Run(async () =>
        {
            for (var i = 0; i < 30; i++)
            {
                await app.ClickLink(codes[i % 2], deviceId: $"device-{i % 6}");
            }
        });
        while (!clicking.IsCompleted)
        {
            await Task.WhenAll(folder.FoldAsync(default), folder.FoldAsync(default));
        }

        await clicking;
        await app.FlushClicksAsync();
        await folder.FoldAsync(default);

        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        Assert.False(await db.ParticipantClickDeltas.AnyAsync());
        var daily = await db.ParticipantDailyClicks.AsNoTracking()
            .Where(r => r.CampaignId == Guid.Parse(campaignId))
            .GroupBy(r => r.ParticipantId)
            .Select(g => new { Clicks = g.Sum(r => r.Clicks), Unique = g.Sum(r => r.UniqueClicks) })
            .ToListAsync();
        // Each referrer: 15 clicks from 3 devices (device-0, -2, -4 on alice's code; -1, -3, -5 on bob's).
        Assert.Equal([new { Clicks = 15L, Unique = 3L }, new { Clicks = 15L, Unique = 3L }], daily);
        foreach (var name in new[] { "alice", "bob" })
        {
            var clicks = (await client.ParticipantStats(campaignId, name))["clicks"]!;
            Assert.Equal((15, 3), (clicks.Long("total"), clicks.Long("unique")));
        }
    }

    [Fact]
    public async Task Participant_stats_count_the_daily_rows_and_the_deltas_not_yet_folded()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var alice = await client.Register(campaignId, "alice");
        await app.ClickLink(alice.Str("referralCode"), deviceId: "device-1");
        await app.ClickLink(alice.Str("referralCode"), deviceId: "device-1");
        await app.FlushClicksAsync();
        await app.Services.GetRequiredService<RollupFolder>().FoldAsync(default); // Those two are in the daily row.

        await using (var scope = app.Services.CreateAsyncScope())
        {
            // A delta as a batch on another node might have left it: counted whether or not the folder gets to it.
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            db.ParticipantClickDeltas.Add(new ParticipantClickDelta
            {
                CampaignId = Guid.Parse(campaignId), ParticipantId = Guid.Parse(alice.Str("id")),
                Day = new DateOnly(2026, 3, 1), Clicks = 5, UniqueClicks = 4, BotClicks = 1,
            });
            await db.SaveChangesAsync();
        }

        var clicks = (await client.ParticipantStats(campaignId, "alice"))["clicks"]!;
        Assert.Equal((7, 5, 1), (clicks.Long("total"), clicks.Long("unique"), clicks.Long("bots")));
    }
}
