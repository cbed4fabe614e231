using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RefTrack.Data;
using RefTrack.Conversions;
using RefTrack.Infrastructure;
using RefTrack.Participants;
using RefTrack.Rewards;
using RefTrack.Tests.Infrastructure;
using RefTrack.Tests.Integration;

namespace RefTrack.Tests.Data;

/// <summary>
/// The lists' pages on PostgreSQL where its estimates mislead it: as EF Core's own commands for a page, EXPLAINed. Each
/// must read the index that leads with what the page is of and ends with the id, never walk the primary key in id
/// order, filtering (PageRequest.Window with a pinned column says how the queries make sure).
/// </summary>
/// <remarks>
/// A campaign's page of one status, where other campaigns hold most rewards of that status (approval queues) and this
/// one barely any. Estimated from each column alone, the pair looked common in this campaign, and PostgreSQL read the
/// primary key in id order through nearly every reward of the table for one page (bench/list-plans: 1,272,609 rows,
/// 0.24-0.85 s). The rewards' statistics on (campaign, status) together fix that while their most common pairs cover
/// nearly every reward, not when the queues are spread over more campaigns than they hold; asked for the status as a
/// range and ordered by it, the page can only be read off (campaign, status, id) without sorting every row a walk
/// keeps, which then wins however the pair is estimated.
/// Twenty thousand rewards show the same plans.
/// A campaign started after others: its rows' ids all come after theirs, which PostgreSQL does not know (it prices a
/// walk as if each campaign's rows were spread evenly through the ids), and the walk for its first page read every
/// row of the others first (bench/list-plans' late campaign: 1,000,000 rows, 0.4 s). Here the late campaign was created first, so
/// that its id sorts before the others' and its rows do not look stored in its order; with its id sorting last
/// PostgreSQL took the index at this size anyway.
/// </remarks>
public sealed class PostgresListPlanTests
{
    [Theory]
    [InlineData(1, RewardStatus.Pending)]
    [InlineData(300, RewardStatus.Pending)]
    [InlineData(1, null)]
    [InlineData(300, null)]
    public async Task A_status_rare_in_its_campaign_and_common_in_others_is_read_off_the_status_index(
        int queues, RewardStatus? status)
    {
        using var app = new TestApp(Provider.Postgres);
        var client = app.Client();
        var queue = await client.CreateCampaign(name: "Queue");
        var quiet = await client.CreateCampaign(name: "Quiet");
        var inQueue = (await client.Register(queue, "queued")).Str("id");
        var inQuiet = (await client.Register(quiet, "paid-out")).Str("id");

        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        // Ids in time order as the service mints them; every other reward is pending in one of the queues (the first
        // is the Queue campaign, the others have ids of their own: rewards name no campaign row), the quiet
        // campaign's are paid but for one in five thousand.
        await db.Database.ExecuteSqlRawAsync("""
            INSERT INTO "Rewards" ("Id", "CampaignId", "ParticipantId", "RuleId", "ReferralId", "Amount", "Currency",
                "Status", "GrantKey", "CreatedAt", "UpdatedAt")
            SELECT (lpad(to_hex(i), 8, '0') || '-0000-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid,
                CASE WHEN i % 2 = 1 THEN {1}
                     WHEN i / 2 % {4} = 0 THEN {0}
                     ELSE ('00000000-0000-7000-9000-' || lpad(to_hex(i / 2 % {4}), 12, '0'))::uuid END,
                CASE WHEN i % 2 = 0 THEN {2} ELSE {3} END,
                gen_random_uuid(), gen_random_uuid(), 100, 'USD',
                CASE WHEN i % 2 = 0 OR i % 10000 = 1 THEN 'Pending' ELSE 'Paid' END, 'g' || i, now(), now()
            FROM generate_series(1, 20000) i
            """, Guid.Parse(queue), Guid.Parse(quiet), Guid.Parse(inQueue), Guid.Parse(inQuiet), queues);
        await db.Database.ExecuteSqlRawAsync("""ANALYZE "Rewards" """);

        var plan = await ExplainAsync(db, RewardApi.PageQuery(db, Guid.Parse(quiet), null, status, AfterCursor));

        // The walk in id order reads the primary key and filters each row by campaign and status; the index scan has
        // the campaign, the status and the cursor's id as its bounds, and a page's own rows, looked up by id, have no
        // filter. For every status the page of each is read off the index, of a common one too (as cheap there as
        // the walk, which would find its rows in its first steps).
        Assert.True(plan.Contains("IX_Rewards_CampaignId_Status_Id", StringComparison.Ordinal)
                    && !plan.Contains("Filter:", StringComparison.Ordinal)
                    && plan.Contains(CursorBound, StringComparison.Ordinal),
            plan);
    }

    [Theory]
    [InlineData("participants")]
    [InlineData("conversions")]
    public async Task A_campaign_started_after_another_is_read_off_its_campaign_index(string list)
    {
        using var app = new TestApp(Provider.Postgres);
        var client = app.Client();
        // Created first, started last: its id sorts before the others', its rows come after theirs.
        var late = Guid.Parse(await client.CreateCampaign(name: "Late"));
        var early = Guid.Parse(await client.CreateCampaign(name: "Early"));
        var other = Guid.Parse(await client.CreateCampaign(name: "Other"));

        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        // Twenty thousand participants of two campaigns running together, each participant with a conversion, then
        // ten thousand of the late one, ids in time order as the service mints them.
        await db.Database.ExecuteSqlRawAsync("""
            INSERT INTO "Participants" ("Id", "CampaignId", "ExternalId", "CreatedAt")
            SELECT (lpad(to_hex(i), 8, '0') || '-0000-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid,
                CASE WHEN i > 20000 THEN {1} WHEN i % 2 = 0 THEN {0} ELSE {2} END, 'x' || i, now()
            FROM generate_series(1, 30000) i;
            INSERT INTO "Conversions" ("Id", "CampaignId", "ParticipantId", "Type", "ExternalId", "Amount", "Currency",
                "OccurredAt", "CreatedAt")
            SELECT (lpad(to_hex(i), 8, '0') || '-0001-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid,
                CASE WHEN i > 20000 THEN {1} WHEN i % 2 = 0 THEN {0} ELSE {2} END,
                (lpad(to_hex(i), 8, '0') || '-0000-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid,
                'Purchase', 'o' || i, 1000, 'USD', now(), now()
            FROM generate_series(1, 30000) i;
            ANALYZE "Participants", "Conversions";
            """, early, late, other);

        var (plan, index, primaryKey) = list == "participants"
            ? (await ExplainAsync(db, ParticipantQueries.Views(db, ParticipantApi.PageQuery(db, late, AfterCursor))),
                "IX_Participants_CampaignId_Id", "PK_Participants")
            : (await ExplainAsync(db, ConversionApi.PageQuery(db, late, participantId: null, AfterCursor)),
                "IX_Conversions_CampaignId_Id", "PK_Conversions");

        Assert.True(plan.Contains(index, StringComparison.Ordinal)
                    && !plan.Contains(primaryKey, StringComparison.Ordinal)
                    && plan.Contains(CursorBound, StringComparison.Ordinal),
            plan);
    }

    /// <summary>A page after the first, from a cursor: the id it names must bound the index scan
    /// (<see cref="CursorBound"/>), not filter what it reads.</summary>
    private static readonly PageRequest AfterCursor =
        PageRequest.Parse(cursor: "AAAAAAAAAAAAAAAAAAAAAA", limit: 50, new Validator());

    private const string CursorBound = "\"Id\" > '00000000-0000-0000-0000-000000000000'";

    /// <summary>PostgreSQL's plan for EF Core's own command of <paramref name="query"/>.</summary>
    private static async Task<string> ExplainAsync<T>(AppDbContext db, IQueryable<T> query)
    {
        await using var command = query.CreateDbCommand();
        command.CommandText = "EXPLAIN " + command.CommandText;
        await db.Database.OpenConnectionAsync();
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join('\n', lines);
    }
}
