using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RefTrack.Data;
using RefTrack.Infrastructure;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Data;

public sealed class HotReadsSnapshotTestsSqlite() : HotReadsSnapshotTests(Provider.Sqlite);

public sealed class HotReadsSnapshotTestsPostgres() : HotReadsSnapshotTests(Provider.Postgres);

/// <summary><see cref="IHotReads.RunInSnapshotAsync"/>, which the multi-query reports run on: its statements agree
/// with each other, whatever commits between them.</summary>
public abstract class HotReadsSnapshotTests(Provider provider)
{
    [Fact]
    public async Task Statements_in_a_snapshot_do_not_see_a_commit_made_between_them_and_the_next_read_does()
    {
        using var app = new TestApp(provider);
        _ = app.Client(); // Starts the host: migrations.
        await using var scope = app.Services.CreateAsyncScope();
        var reads = scope.ServiceProvider.GetRequiredService<IHotReads>();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();

        var (before, after) = await reads.RunInSnapshotAsync(db, async r =>
        {
            var first = await Count(r);
            await using (var other = app.Services.CreateAsyncScope())
            {
                var writer = other.ServiceProvider.GetRequiredService<AppDbContext>();
                writer.InstanceSettings.Add(new InstanceSetting { Key = "between", Value = "committed" });
                await writer.SaveChangesAsync(); // Its own transaction, committed before the snapshot's next read.
            }

            return (first, await Count(r));
        });

        Assert.Equal(before, after);
        Assert.Equal(before + 1, await reads.RunAsync(db, Count));
        Assert.Equal(before + 1, await reads.RunInSnapshotAsync(db, Count)); // A new snapshot, and the last one ended.
    }

    [Fact]
    public async Task A_snapshot_holds_no_write_lock_so_a_write_commits_while_it_is_open()
    {
        using var app = new TestApp(provider, new Dictionary<string, string?>
        {
            // A write waiting for a lock the snapshot held would fail within this, not hang the test.
            ["RefTrack:Database:BusyTimeoutMilliseconds"] = "2000",
        });
        _ = app.Client();
        await using var scope = app.Services.CreateAsyncScope();
        var reads = scope.ServiceProvider.GetRequiredService<IHotReads>();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();

        var written = await reads.RunInSnapshotAsync(db, async r =>
        {
            await Count(r); // The snapshot is taken.
            await using var other = app.Services.CreateAsyncScope();
            var writer = other.ServiceProvider.GetRequiredService<ITransactionRunner>();
            return await writer.RunAsync(async (w, ct) =>
            {
                w.InstanceSettings.Add(new InstanceSetting { Key = "during", Value = "committed" });
                return await w.SaveChangesAsync(ct);
            }, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        });

        Assert.Equal(1, written);
    }

    private static Task<int> Count(AppDbContext db) => db.InstanceSettings.AsNoTracking().CountAsync();
}
