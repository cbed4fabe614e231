using Microsoft.Extensions.DependencyInjection;
using RefTrack.Links;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

/// <summary>
/// SQLite's click batches are written on the writer's own thread, not on a thread-pool worker the redirects need
/// (<see cref="ClickWriter"/>, <c>WriteAndUncountAsync</c>).
/// </summary>
public sealed class SqliteClickWriterThreadTests
{
    [Fact]
    public async Task Every_batch_is_written_on_the_writer_thread()
    {
        using var app = new TestApp(Provider.Sqlite, TestApp.ClickBatchesOfOne(writers: 1));
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        var code = (await client.Register(campaignId, "user-a")).Str("referralCode");
        var writer = app.Services.GetRequiredService<ClickWriter>();

        for (var i = 0; i < 3; i++)
        {
            await app.ClickLink(code);
            await app.FlushClicksAsync();

            Assert.NotNull(writer.SqliteWriterThreadId);
            Assert.Equal(writer.SqliteWriterThreadId, writer.LastBatchThreadId);
        }
    }
}
