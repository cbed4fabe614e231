using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using RefTrack.Data;
using RefTrack.Infrastructure;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Data;

/// <summary>
/// The write units' contract (<see cref="ITransactionRunner"/>): on SQLite units share a group commit, on
/// PostgreSQL each is its own transaction; either way a unit that fails leaves nothing behind and the others land.
/// </summary>
public sealed class TransactionRunnerTestsSqlite() : TransactionRunnerTests(Provider.Sqlite)
{
    [Fact]
    public void Sqlite_units_share_the_group_commit()
    {
        using var app = new TestApp(Provider.Sqlite);
        Assert.IsType<SqliteGroupCommit>(Runner(app));
    }

    [Fact]
    public async Task Units_savepoints_are_kept_in_memory_and_the_log_is_checkpointed_at_the_configured_size()
    {
        using var app = new TestApp(Provider.Sqlite);
        _ = app.Client();

        var (tempStore, checkpointPages) = await Runner(app).RunAsync(async (db, ct) =>
        {
            async Task<int> Pragma(string name) =>
                (await RawSqlRows.QueryAsync(db, $"PRAGMA {name}", [], r => r.GetInt32(0), ct)).Single();

            return (await Pragma("temp_store"), await Pragma("wal_autocheckpoint"));
        }, CancellationToken.None);

        Assert.Equal(2, tempStore); // MEMORY
        Assert.Equal(SqliteGroupCommit.CheckpointPages, checkpointPages);
    }

    /// <summary>On a full disk, an I/O error or no memory SQLite rolls the whole transaction back by itself; the
    /// unit's savepoint is then gone too. Its caller must still learn the unit's own failure, not only "no such
    /// savepoint" (a full disk is a 503 to the client, that a 500). The ROLLBACK stands in for SQLite's own.</summary>
    [Fact]
    public async Task A_unit_whose_failure_ended_the_transaction_is_answered_with_that_failure()
    {
        using var app = new TestApp(Provider.Sqlite);
        _ = app.Client();

        var thrown = await Assert.ThrowsAnyAsync<Exception>(() => Runner(app).RunAsync<int>(async (db, ct) =>
        {
            await db.Database.ExecuteSqlRawAsync("ROLLBACK", ct);
            throw new Microsoft.Data.Sqlite.SqliteException("database or disk is full", 13);
        }, CancellationToken.None));

        Assert.Equal(13, Assert.IsType<Microsoft.Data.Sqlite.SqliteException>(thrown.InnerException).SqliteErrorCode);
        Assert.True(DbErrors.IsTransient(thrown));
        Assert.Equal(1, await Runner(app).RunAsync((_, _) => Task.FromResult(1), CancellationToken.None)); // Goes on.
    }

    /// <summary>A unit that lost a unique race to a sibling in its batch must not be answered "duplicate" when the
    /// batch's commit then fails: the winner was not written either, and callers read the winner back on a duplicate
    /// (ConversionRecorder answers 500 "duplicate but is not stored" when it is missing).</summary>
    [Fact]
    public async Task When_the_commit_fails_every_unit_of_the_batch_gets_its_failure_not_a_duplicate_of_a_lost_sibling()
    {
        using var app = new TestApp(Provider.Sqlite);
        _ = app.Client();
        var running = new TaskCompletionSource();
        using var release = new ManualResetEventSlim();

        // Holds the group commit's thread, so that the three units after it are queued, and run, as one batch.
        var holder = Runner(app).RunAsync((_, _) =>
        {
            running.SetResult();
            release.Wait();
            return Task.FromResult(0);
        }, CancellationToken.None);
        await running.Task;

        Task<int> Insert() => Runner(app).RunAsync(async (db, ct) =>
        {
            db.InstanceSettings.Add(new InstanceSetting { Key = "contested", Value = "v" });
            await db.SaveChangesAsync(ct);
            return 0;
        }, CancellationToken.None);

        var winner = Insert();
        var loser = Insert();
        // A deferred foreign key violation: the savepoint is released, the batch's COMMIT fails.
        var commitBreaker = Runner(app).RunAsync(async (db, ct) => await db.Database.ExecuteSqlRawAsync("""
            CREATE TEMP TABLE "Parent" ("Id" INTEGER PRIMARY KEY);
            CREATE TEMP TABLE "Child" ("ParentId" INTEGER REFERENCES "Parent" ("Id") DEFERRABLE INITIALLY DEFERRED);
            INSERT INTO "Child" VALUES (1);
            """, ct), CancellationToken.None);
        release.Set();
        await holder;

        var batchFailure = await Assert.ThrowsAnyAsync<Exception>(() => commitBreaker);
        Assert.Same(batchFailure, await Assert.ThrowsAnyAsync<Exception>(() => winner));
        Assert.Same(batchFailure, await Assert.ThrowsAnyAsync<Exception>(() => loser));

        await using var scope = app.Services.CreateAsyncScope();
        Assert.False(await scope.ServiceProvider.GetRequiredService<AppDbContext>().InstanceSettings
            .AnyAsync(s => s.Key == "contested"));
    }

    /// <summary>A unit whose work went through but whose savepoint could not be released is rolled back to it: it must
    /// be answered with that failure, not with its result (a 201 for a signup that was never stored), while the
    /// batch's other units land.</summary>
    [Fact]
    public async Task A_unit_whose_savepoint_is_not_released_is_rolled_back_and_answered_with_the_failure()
    {
        using var app = new TestApp(Provider.Sqlite);
        _ = app.Client();
        var release = new FailingSavepointRelease();
        var options = new DbContextOptionsBuilder<SqliteAppDbContext>(
            app.Services.GetRequiredService<DbContextOptions<SqliteAppDbContext>>()).AddInterceptors(release).Options;
        var commit = new SqliteGroupCommit(options, NullLogger<SqliteGroupCommit>.Instance);
        await commit.StartAsync(CancellationToken.None);
        try
        {
            Task<string> Insert(string key) => commit.RunAsync(async (db, ct) =>
            {
                db.InstanceSettings.Add(new InstanceSetting { Key = key, Value = "v" });
                await db.SaveChangesAsync(ct);
                return key;
            }, CancellationToken.None);

            release.FailNext = true;
            var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => Insert("not-released"));
            Assert.Same(FailingSavepointRelease.Failure, failure);
            Assert.Equal("released", await Insert("released"));
        }
        finally
        {
            await commit.StopAsync(CancellationToken.None);
        }

        await using var scope = app.Services.CreateAsyncScope();
        var keys = await scope.ServiceProvider.GetRequiredService<AppDbContext>().InstanceSettings
            .Where(s => s.Key == "not-released" || s.Key == "released").Select(s => s.Key).ToListAsync();
        Assert.Equal(["released"], keys);
    }

    /// <summary>Fails the next savepoint release once, before it reaches SQLite.</summary>
    private sealed class FailingSavepointRelease : DbTransactionInterceptor
    {
        public static readonly InvalidOperationException Failure = new("Releasing the savepoint failed.");

        public volatile bool FailNext;

        public override InterceptionResult ReleasingSavepoint(
            DbTransaction transaction, TransactionEventData eventData, InterceptionResult result)
        {
            if (FailNext)
            {
                FailNext = false;
                throw Failure;
            }

            return result;
        }
    }
}

public sealed class TransactionRunnerTestsPostgres() : TransactionRunnerTests(Provider.Postgres)
{
    [Fact]
    public async Task A_one_command_unit_that_sends_a_second_command_is_stopped_before_it_is_sent()
    {
        using var app = new TestApp(Provider.Postgres);
        _ = app.Client();
        var runner = Runner(app);

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => runner.RunOneCommandAsync(async (db, ct) =>
        {
            await InsertSetting(db, "first-command", ct);
            return await InsertSetting(db, "second-command", ct);
        }, CancellationToken.None));

        Assert.Contains("second command", e.Message);
        // The first command committed on its own (why a unit must not do this); the second never reached the server.
        Assert.Equal(["first-command"], await SettingKeys(app, "first-command", "second-command"));

        // A unit that sends nothing is refused too: it would be answered as if it had written.
        await Assert.ThrowsAsync<InvalidOperationException>(() => runner.RunOneCommandAsync((_, _) => Task.FromResult(0),
            CancellationToken.None));

        // The same scope's context, back to ordinary units: several commands in one transaction again.
        Assert.Equal(1, await runner.RunAsync(async (db, ct) =>
        {
            await InsertSetting(db, "after-1", ct);
            return await InsertSetting(db, "after-2", ct);
        }, CancellationToken.None));
        Assert.Equal(["after-1", "after-2"], await SettingKeys(app, "after-1", "after-2"));
    }
}

public abstract class TransactionRunnerTests(Provider provider)
{
    private const int Units = 60;

    protected static ITransactionRunner Runner(TestApp app) =>
        app.Services.CreateScope().ServiceProvider.GetRequiredService<ITransactionRunner>();

    [Fact]
    public async Task Concurrent_units_all_commit_and_a_failing_unit_leaves_nothing_behind()
    {
        using var app = new TestApp(provider);
        _ = app.Client(); // Starts the host (and the group-commit thread).

        var runs = Enumerable.Range(0, Units).Select(i => Task.Run(async () =>
        {
            // Each unit on its own scope, as concurrent requests are.
            return await Runner(app).RunAsync(async (db, ct) =>
            {
                db.InstanceSettings.Add(new InstanceSetting { Key = $"unit-{i}", Value = "written" });
                await db.SaveChangesAsync(ct);
                if (i % 10 == 3)
                {
                    throw new InvalidOperationException($"unit {i} failed after writing");
                }

                return i;
            }, CancellationToken.None);
        })).ToList();

        foreach (var (run, i) in runs.Select((r, i) => (r, i)))
        {
            if (i % 10 == 3)
            {
                var e = await Assert.ThrowsAsync<InvalidOperationException>(() => run);
                Assert.Equal($"unit {i} failed after writing", e.Message);
            }
            else
            {
                Assert.Equal(i, await run);
            }
        }

        await using var scope = app.Services.CreateAsyncScope();
        var keys = await scope.ServiceProvider.GetRequiredService<AppDbContext>().InstanceSettings
            .Where(s => s.Key.StartsWith("unit-")).Select(s => s.Key).ToListAsync();
        var expected = Enumerable.Range(0, Units).Where(i => i % 10 != 3).Select(i => $"unit-{i}");
        Assert.Equal(expected.Order(), keys.Order());
    }

    /// <summary>A one-command unit's statements land together or not at all: on PostgreSQL the server's implicit
    /// transaction undoes the first insert when the second fails; on SQLite the unit's savepoint does.</summary>
    [Fact]
    public async Task A_one_command_unit_whose_later_statement_fails_leaves_nothing_and_the_next_one_lands()
    {
        using var app = new TestApp(provider);
        _ = app.Client();

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => Runner(app).RunOneCommandAsync((db, ct) => RawSqlRows.ExecuteAsync(db, """
            INSERT INTO "InstanceSettings" ("Key", "Value") VALUES ('one-command', {0});
            INSERT INTO "InstanceSettings" ("Key", "Value") VALUES ('one-command', {1});
            """, ["first", "duplicate key"], ct), CancellationToken.None));
        Assert.True(DbErrors.IsUniqueViolation(failure), failure.ToString()); // The second insert's, not a typo's.
        Assert.Empty(await SettingKeys(app, "one-command"));

        Assert.Equal(1, await Runner(app).RunOneCommandAsync((db, ct) => InsertSetting(db, "one-command", ct),
            CancellationToken.None));
        Assert.Equal(["one-command"], await SettingKeys(app, "one-command"));
    }

    protected static Task<int> InsertSetting(AppDbContext db, string key, CancellationToken ct) =>
        RawSqlRows.ExecuteAsync(db, """INSERT INTO "InstanceSettings" ("Key", "Value") VALUES ({0}, 'v')""", [key], ct);

    protected static async Task<List<string>> SettingKeys(TestApp app, params string[] keys)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AppDbContext>().InstanceSettings
            .Where(s => keys.Contains(s.Key)).Select(s => s.Key).OrderBy(k => k).ToListAsync();
    }

    [Fact]
    public async Task A_unique_violation_reaches_the_caller_and_the_winner_is_readable_when_it_does()
    {
        using var app = new TestApp(provider);
        _ = app.Client();

        async Task<string> Insert(string value) => await Runner(app).RunAsync(async (db, ct) =>
        {
            db.InstanceSettings.Add(new InstanceSetting { Key = "contested", Value = value });
            await db.SaveChangesAsync(ct);
            return value;
        }, CancellationToken.None);

        // Each loser reads the winner as soon as it is answered, in its own continuation (found by review: read in
        // the order the attempts were started, a loser answered before the winner's commit would still pass).
        var attempts = Enumerable.Range(0, 10).Select(i => Task.Run(async () =>
        {
            try
            {
                return (Won: (string?)await Insert($"v{i}"), WinnerSeen: true);
            }
            catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
            {
                await using var scope = app.Services.CreateAsyncScope();
                var seen = await scope.ServiceProvider.GetRequiredService<AppDbContext>().InstanceSettings
                    .AnyAsync(s => s.Key == "contested");
                return (Won: (string?)null, WinnerSeen: seen);
            }
        })).ToList();
        var outcomes = await Task.WhenAll(attempts);
        Assert.All(outcomes, o => Assert.True(o.WinnerSeen, "a loser was answered before the winner committed"));
        var winners = outcomes.Where(o => o.Won is not null).Select(o => o.Won!).ToList();

        var winner = Assert.Single(winners);
        await using var check = app.Services.CreateAsyncScope();
        Assert.Equal(winner, (await check.ServiceProvider.GetRequiredService<AppDbContext>().InstanceSettings
            .SingleAsync(s => s.Key == "contested")).Value);
    }
}
