using Microsoft.Extensions.DependencyInjection;
using RefTrack.Links;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

/// <summary>
/// On SQLite the click writer sums each referrer's click counts over batches while clicks keep coming
/// (<see cref="SqliteReferrerRollup"/>), so a participant's counts may lag the clicks; they must not lag for good.
/// Without a flush, the writer writes them once no click has come for <c>ClickRollupIdleMilliseconds</c>, and when the
/// service stops; a signup's flush waits for the clicks only. Campaign-wide counts are written with every batch, which
/// is how these tests see the clicks committed without flushing (a test's flush would write the sums itself).
/// </summary>
public sealed class ClickWriterRollupCatchUpTests
{
    private const int Clicks = 5;

    [Fact]
    public async Task Once_no_click_comes_for_a_moment_a_participants_counts_are_exact_without_a_flush()
    {
        using var app = new TestApp(Provider.Sqlite, TestApp.ClickBatchesOfOne(writers: 1));
        var (client, campaignId, code) = await ReferrerAsync(app);

        for (var i = 0; i < Clicks; i++)
        {
            await app.ClickLink(code); // Each a batch of its own; all but the writer's first keep their sums.
        }

        await Poll.UntilAsync(async () => await ParticipantClicksAsync(client, campaignId) == Clicks,
            TimeSpan.FromSeconds(30), "not within 30 s");
    }

    [Fact]
    public async Task Stopping_the_writer_writes_the_sums_it_holds()
    {
        var settings = TestApp.ClickBatchesOfOneWithoutIdleWrites(writers: 1); // Not idle long enough during this test.
        using var app = new TestApp(Provider.Sqlite, settings);
        var (client, campaignId, code) = await ReferrerAsync(app);

        for (var i = 0; i < Clicks; i++)
        {
            await app.ClickLink(code);
        }

        await Poll.UntilAsync(async () => (await client.CampaignStats(campaignId))["clicks"]!.Long("total") == Clicks,
            TimeSpan.FromSeconds(30), "not within 30 s");
        Assert.True(await ParticipantClicksAsync(client, campaignId) < Clicks, "the writer holds sums while not idle");

        await app.Services.GetRequiredService<ClickWriter>().StopAsync(CancellationToken.None);

        Assert.Equal(Clicks, await ParticipantClicksAsync(client, campaignId));
    }

    [Fact]
    public async Task A_signups_flush_waits_for_the_clicks_but_leaves_the_sums_to_the_writer()
    {
        // A signup flushes only to see its click; were the sums written too, every signup amid a stream of clicks would
        // end the rollup's window.
        var settings = TestApp.ClickBatchesOfOneWithoutIdleWrites(writers: 1);
        using var app = new TestApp(Provider.Sqlite, settings);
        var (client, campaignId, code) = await ReferrerAsync(app);

        for (var i = 0; i < Clicks; i++)
        {
            await app.ClickLink(code);
        }

        await app.Services.GetRequiredService<ClickWriter>().FlushAsync(CancellationToken.None);

        Assert.Equal(Clicks, (await client.CampaignStats(campaignId))["clicks"]!.Long("total"));
        Assert.True(await ParticipantClicksAsync(client, campaignId) < Clicks, "a signup's flush wrote the sums");
    }

    private static async Task<(HttpClient Client, string CampaignId, string Code)> ReferrerAsync(TestApp app)
    {
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var code = (await client.Register(campaignId, "user-a")).Str("referralCode");
        return (client, campaignId, code);
    }

    private static async Task<long> ParticipantClicksAsync(HttpClient client, string campaignId) =>
        (await client.ParticipantStats(campaignId, "user-a"))["clicks"]!.Long("total");
}
