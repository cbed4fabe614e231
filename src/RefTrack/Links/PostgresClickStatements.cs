using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;
using RefTrack.Data;

namespace RefTrack.Links;

/// <summary>
/// PostgreSQL's click writer statements: each table's rows go as parallel arrays through <c>unnest</c>, so a batch
/// of 500 clicks is three statements whatever the number of referrers in it. Visitor keys and rollup rows are sent
/// sorted by key, so concurrent batches (a node's writers, several nodes') lock them in the same order and cannot
/// deadlock each other.
/// </summary>
internal sealed class PostgresClickStatements(AppDbContext db) : IClickStatements
{
    private readonly NpgsqlConnection _connection = (NpgsqlConnection)db.Database.GetDbConnection();
    private readonly NpgsqlTransaction _transaction = (NpgsqlTransaction)db.Database.CurrentTransaction!.GetDbTransaction();

    public async Task<HashSet<(Guid Code, string Key)>> InsertVisitorsAsync(
        IReadOnlyList<(Guid Campaign, Guid Code, string Key)> rows, CancellationToken ct)
    {
        await using var command = Command("""
            INSERT INTO "ClickVisitors" ("CampaignId", "ReferralCodeId", "VisitorKey")
            SELECT * FROM unnest(@campaign, @code, @key)
            ON CONFLICT DO NOTHING
            RETURNING "ReferralCodeId", "VisitorKey"
            """);
        var sorted = rows.OrderBy(r => r.Campaign).ThenBy(r => r.Code).ThenBy(r => r.Key, StringComparer.Ordinal).ToList();
        Add(command, "campaign", NpgsqlDbType.Uuid, sorted.Select(r => r.Campaign));
        Add(command, "code", NpgsqlDbType.Uuid, sorted.Select(r => r.Code));
        Add(command, "key", NpgsqlDbType.Text, sorted.Select(r => r.Key));
        var fresh = new HashSet<(Guid, string)>(rows.Count);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            fresh.Add((reader.GetGuid(0), reader.GetString(1)));
        }

        return fresh;
    }

    public async Task InsertClicksAsync(IReadOnlyList<Click> clicks, CancellationToken ct)
    {
        await using var command = Command("""
            INSERT INTO "Clicks" ("Id", "CampaignId", "ReferralCodeId", "ParticipantId", "OccurredAt", "IpHash",
                "UserAgent", "DeviceId", "IsBot", "IsRepeat")
            SELECT * FROM unnest(@id, @campaign, @code, @participant, @at, @ip, @ua, @device, @bot, @repeat)
            """);
        Add(command, "id", NpgsqlDbType.Uuid, clicks.Select(c => c.Id));
        Add(command, "campaign", NpgsqlDbType.Uuid, clicks.Select(c => c.CampaignId));
        Add(command, "code", NpgsqlDbType.Uuid, clicks.Select(c => c.ReferralCodeId));
        Add(command, "participant", NpgsqlDbType.Uuid, clicks.Select(c => c.ParticipantId));
        Add(command, "at", NpgsqlDbType.TimestampTz, clicks.Select(c => c.OccurredAt));
        Add(command, "ip", NpgsqlDbType.Text, clicks.Select(c => c.IpHash));
        Add(command, "ua", NpgsqlDbType.Text, clicks.Select(c => c.UserAgent));
        Add(command, "device", NpgsqlDbType.Text, clicks.Select(c => c.DeviceId));
        Add(command, "bot", NpgsqlDbType.Boolean, clicks.Select(c => c.IsBot));
        Add(command, "repeat", NpgsqlDbType.Boolean, clicks.Select(c => c.IsRepeat));
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task AddParticipantClicksAsync(IReadOnlyList<ParticipantClicks> rows, CancellationToken ct)
    {
        var sorted = rows.OrderBy(r => r.CampaignId).ThenBy(r => r.ParticipantId).ThenBy(r => r.Day).ToList();
        await using var command = Command("""
            INSERT INTO "ParticipantDailyClicks" ("CampaignId", "ParticipantId", "Day", "Clicks", "UniqueClicks", "BotClicks")
            SELECT * FROM unnest(@campaign, @participant, @day, @clicks, @unique, @bots)
            ON CONFLICT ("CampaignId", "ParticipantId", "Day") DO UPDATE SET
                "Clicks" = "ParticipantDailyClicks"."Clicks" + excluded."Clicks",
                "UniqueClicks" = "ParticipantDailyClicks"."UniqueClicks" + excluded."UniqueClicks",
                "BotClicks" = "ParticipantDailyClicks"."BotClicks" + excluded."BotClicks"
            """);
        Add(command, "campaign", NpgsqlDbType.Uuid, sorted.Select(r => r.CampaignId));
        Add(command, "participant", NpgsqlDbType.Uuid, sorted.Select(r => r.ParticipantId));
        Add(command, "day", NpgsqlDbType.Date, sorted.Select(r => r.Day));
        Add(command, "clicks", NpgsqlDbType.Bigint, sorted.Select(r => r.Clicks));
        Add(command, "unique", NpgsqlDbType.Bigint, sorted.Select(r => r.UniqueClicks));
        Add(command, "bots", NpgsqlDbType.Bigint, sorted.Select(r => r.BotClicks));
        await command.ExecuteNonQueryAsync(ct);
    }

    public void Dispose()
    {
    }

    private NpgsqlCommand Command(string sql) => new(sql, _connection, _transaction);

    private static void Add<T>(NpgsqlCommand command, string name, NpgsqlDbType elementType, IEnumerable<T> values) =>
        command.Parameters.Add(new NpgsqlParameter<T[]>(name, NpgsqlDbType.Array | elementType) { TypedValue = values.ToArray() });
}
