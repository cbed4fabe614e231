using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using RefTrack.Data;
using RefTrack.Links;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Data;

/// <summary>The PostgreSQL click writer loads clicks by binary COPY and the rest through arrays, not through EF Core:
/// what it stores must read back through EF Core as it was written, and a refused row must fail its batch as an
/// INSERT would, leaving nothing behind, so the writer's retry in parts (<see cref="ClickWriter"/>) still works.</summary>
public sealed class PostgresClickStatementsTests : IDisposable
{
    private readonly TestDatabase _database = TestDatabase.Create(Provider.Postgres);
    private readonly PostgresAppDbContext _db;

    public PostgresClickStatementsTests()
    {
        _db = new PostgresAppDbContext(new DbContextOptionsBuilder<PostgresAppDbContext>()
            .UseNpgsql(_database.ConnectionString).Options);
        _db.Database.Migrate();
    }

    [Theory]
    [InlineData("Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 — ünïcödé", false, true)]
    [InlineData(null, true, false)]
    public async Task A_click_reads_back_through_EF_Core_as_written(string? userAgent, bool isBot, bool isRepeat)
    {
        var click = SampleClicks.New(userAgent, isBot, isRepeat);
        var other = SampleClicks.New("agent", false, false);

        await InTransactionAsync(s => s.InsertClicksAsync([click, other], CancellationToken.None));

        var read = await _db.Clicks.AsNoTracking().SingleAsync(c => c.Id == click.Id);
        Assert.Equivalent(click, read, strict: true);
        Assert.Equal(DateTimeKind.Utc, read.OccurredAt.Kind);
        Assert.Equal(2, await _db.Clicks.CountAsync());
    }

    /// <summary>A batch the size of the writer's (500), rows long enough that Npgsql flushes its buffer mid-row, the
    /// refused row second, so the server refuses it while the rest are still arriving; and the batch's visitor keys
    /// written first in the same transaction, as the writer writes them, which the failure must take back too.</summary>
    [Fact]
    public async Task A_refused_row_fails_its_batch_as_a_unique_violation_and_writes_nothing()
    {
        var clicks = Enumerable.Range(0, 500).Select(_ => SampleClicks.New(new string('a', 512), false, false)).ToList();
        clicks.Insert(1, clicks[0]);
        var campaign = Guid.CreateVersion7();

        var error = await Assert.ThrowsAsync<PostgresException>(() => InTransactionAsync(async s =>
        {
            await s.MarkRepeatsAsync([RepeatClicks.Visit(campaign, Guid.CreateVersion7(), "d:a", null)], CancellationToken.None);
            await s.InsertClicksAsync(clicks, CancellationToken.None);
        }));

        Assert.True(DbErrors.IsUniqueViolation(error));
        Assert.Equal(0, await _db.Clicks.CountAsync());
        Assert.Equal(0, await _db.ClickVisitors.CountAsync());
        // The connection is usable again for the next transaction, as the writer's retry needs.
        await InTransactionAsync(s => s.InsertClicksAsync(clicks.Skip(1).ToList(), CancellationToken.None));
        Assert.Equal(500, await _db.Clicks.CountAsync());
        var last = clicks[^1].Id;
        Assert.Equal(512, (await _db.Clicks.AsNoTracking().SingleAsync(c => c.Id == last)).UserAgent!.Length);
    }

    /// <summary>The COPY runs in the writer's transaction, not beside it: a batch whose later statement fails (its
    /// rollup, its commit) keeps none of its clicks.</summary>
    [Fact]
    public async Task Clicks_are_part_of_the_callers_transaction()
    {
        await using (var tx = await BeginWithoutForeignKeysAsync(_db))
        {
            using var statements = new PostgresClickStatements(_db);
            await statements.InsertClicksAsync([SampleClicks.New("agent", false, false)], CancellationToken.None);
            Assert.Equal(1, await _db.Clicks.CountAsync());
            await tx.RollbackAsync();
        }

        Assert.Equal(0, await _db.Clicks.CountAsync());
    }

    /// <summary>An operator's connection string may turn on Npgsql's multiplexing, under which a connection is bound
    /// to a server connection only for a transaction: the writer's COPY must work there too.</summary>
    [Fact]
    public async Task Clicks_are_written_on_a_multiplexing_connection()
    {
        var multiplexing = new NpgsqlConnectionStringBuilder(_database.ConnectionString) { Multiplexing = true };
        await using var db = new PostgresAppDbContext(new DbContextOptionsBuilder<PostgresAppDbContext>()
            .UseNpgsql(multiplexing.ToString()).Options);
        var click = SampleClicks.New("agent", false, false);

        await using (var tx = await BeginWithoutForeignKeysAsync(db))
        {
            using var statements = new PostgresClickStatements(db);
            await statements.InsertClicksAsync([click], CancellationToken.None);
            await tx.CommitAsync();
        }

        Assert.Equal(1, await _db.Clicks.CountAsync(c => c.Id == click.Id));
    }

    [Fact]
    public Task The_first_click_with_a_visitor_key_is_unique_and_later_ones_repeats() =>
        RepeatClicks.AssertFirstClickWinsAsync(
            batch => InTransactionAsync(s => s.MarkRepeatsAsync(batch, CancellationToken.None)),
            (campaign, code) => _db.ClickVisitors.CountAsync(v => v.CampaignId == campaign && v.ReferralCodeId == code));

    public void Dispose()
    {
        _db.Dispose();
        _database.Dispose();
    }

    /// <summary>A transaction with the foreign keys off for it: the rows here are about what is stored, not about the
    /// campaign, code and referrer they name.</summary>
    private static async Task<IDbContextTransaction> BeginWithoutForeignKeysAsync(AppDbContext db)
    {
        var tx = await db.Database.BeginTransactionAsync();
        await db.Database.ExecuteSqlRawAsync("SET LOCAL session_replication_role = replica");
        return tx;
    }

    /// <summary>The statements inside such a transaction of the test's context, committed.</summary>
    private async Task<T> InTransactionAsync<T>(Func<IClickStatements, Task<T>> work)
    {
        await using var tx = await BeginWithoutForeignKeysAsync(_db);
        using var statements = new PostgresClickStatements(_db);
        var result = await work(statements);
        await tx.CommitAsync();
        return result;
    }

    private Task InTransactionAsync(Func<IClickStatements, Task> work) =>
        InTransactionAsync(async s =>
        {
            await work(s);
            return true;
        });
}
