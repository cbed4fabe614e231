using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using RefTrack.Data;
using RefTrack.Infrastructure;
using RefTrack.Links;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Data;

/// <summary>The SQLite click writer binds its values through SQLite's C API (<see cref="SqliteRawStatement"/>), not
/// through EF Core: what it stores must be exactly what EF Core would store, or EF's queries would not find it.</summary>
public sealed class SqliteClickStatementsTests : IDisposable
{
    private readonly TestDatabase _database = TestDatabase.Create(Provider.Sqlite);
    private readonly SqliteAppDbContext _db;

    public SqliteClickStatementsTests()
    {
        _db = new SqliteAppDbContext(new DbContextOptionsBuilder<SqliteAppDbContext>()
            .UseSqlite(_database.ConnectionString).Options);
        _db.Database.OpenConnection();
        _db.Database.Migrate();
        // The rows here are about storage formats; the campaign, code and referrer they point to are not needed.
        _db.Database.ExecuteSqlRaw("PRAGMA foreign_keys = OFF");
    }

    [Theory]
    [InlineData("Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 — ünïcödé", false, true)]
    [InlineData(null, true, false)]
    public async Task A_click_is_stored_exactly_as_EF_Core_stores_it(string? userAgent, bool isBot, bool isRepeat)
    {
        var throughEf = SampleClicks.New(userAgent, isBot, isRepeat);
        var direct = Copy(throughEf);
        _db.Clicks.Add(throughEf);
        await _db.SaveChangesAsync();

        await InTransactionAsync(s => s.InsertClicksAsync([direct], CancellationToken.None));

        Assert.Equal(await StoredAsync(throughEf.Id), await StoredAsync(direct.Id));
        // The id as EF Core binds a Guid parameter: the row is found by it (the read below), and stored in that form.
        Assert.Equal(await _db.Database.SqlQueryRaw<string>("SELECT quote({0}) AS \"Value\"", direct.Id).SingleAsync(),
            await _db.Database.SqlQueryRaw<string>("""SELECT quote("Id") AS "Value" FROM "Clicks" WHERE "Id" = {0}""", direct.Id).SingleAsync());
        var read = await _db.Clicks.AsNoTracking().SingleAsync(c => c.Id == direct.Id);
        Assert.Equivalent(direct, read, strict: true);
    }

    [Fact]
    public Task The_first_click_with_a_visitor_key_is_unique_and_later_ones_repeats() =>
        RepeatClicks.AssertFirstClickWinsAsync(
            batch => InTransactionAsync(s => s.MarkRepeatsAsync(batch, CancellationToken.None)),
            (campaign, code) => _db.ClickVisitors.CountAsync(v => v.CampaignId == campaign && v.ReferralCodeId == code));

    [Fact]
    public async Task Participant_clicks_add_up_per_day()
    {
        var campaign = Guid.CreateVersion7();
        var referrer = Guid.CreateVersion7();
        var day = new DateOnly(2026, 3, 1);

        await InTransactionAsync(s => s.AddParticipantClicksAsync([new(campaign, referrer, day, 3, 2, 1)], CancellationToken.None));
        await InTransactionAsync(s => s.AddParticipantClicksAsync([new(campaign, referrer, day, 4, 1, 0)], CancellationToken.None));

        var row = await _db.ParticipantDailyClicks.AsNoTracking().SingleAsync(r => r.ParticipantId == referrer);
        Assert.Equal((campaign, day, 7L, 3L, 1L), (row.CampaignId, row.Day, row.Clicks, row.UniqueClicks, row.BotClicks));
    }

    [Fact]
    public async Task A_failing_row_is_a_unique_violation_and_its_batch_writes_nothing()
    {
        var click = SampleClicks.New("agent", false, false);
        var next = SampleClicks.New("agent", false, false);

        var error = await Assert.ThrowsAsync<SqliteException>(() =>
            InTransactionAsync(s => s.InsertClicksAsync([click, click, next], CancellationToken.None)));

        Assert.True(DbErrors.IsUniqueViolation(error));
        await InTransactionAsync(s => s.InsertClicksAsync([next], CancellationToken.None));
        Assert.Equal(1, await _db.Clicks.CountAsync(c => c.Id == next.Id));
    }

    public void Dispose()
    {
        _db.Dispose();
        SqliteConnection.ClearAllPools();
        _database.Dispose();
    }

    /// <summary>The same values under another id, for comparing how each is stored.</summary>
    private static Click Copy(Click click) => new()
    {
        Id = Guid.CreateVersion7(),
        CampaignId = click.CampaignId,
        ReferralCodeId = click.ReferralCodeId,
        ParticipantId = click.ParticipantId,
        OccurredAt = click.OccurredAt,
        IpHash = click.IpHash,
        UserAgent = click.UserAgent,
        DeviceId = click.DeviceId,
        IsBot = click.IsBot,
        IsRepeat = click.IsRepeat,
    };

    /// <summary>Every column but the id as SQLite's literal (its storage class and bytes); of the id, its length and
    /// storage class (the two rows' ids differ).</summary>
    private Task<string> StoredAsync(Guid id) => _db.Database.SqlQueryRaw<string>("""
        SELECT quote(length("Id")) || typeof("Id") || quote("CampaignId") || quote("ReferralCodeId") || quote("ParticipantId")
            || quote("OccurredAt") || quote("IpHash") || quote("UserAgent") || quote("DeviceId") || quote("IsBot")
            || quote("IsRepeat") AS "Value"
        FROM "Clicks" WHERE "Id" = {0}
        """, id).SingleAsync();

    private async Task<T> InTransactionAsync<T>(Func<IClickStatements, Task<T>> work)
    {
        await using var tx = await _db.Database.BeginTransactionAsync();
        using var statements = new SqliteClickStatements(_db);
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
