using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;
using RefTrack.Data;

namespace RefTrack.Links;

/// <summary>
/// PostgreSQL's click writer statements: the clicks go by binary COPY, the visitor keys and rollup rows as parallel
/// arrays through <c>unnest</c> (they need <c>ON CONFLICT</c>, which COPY has not), so a batch of 500 clicks is three
/// statements whatever the number of referrers in it. Visitor keys and rollup rows are sent
/// sorted by key, so concurrent batches (a node's writers, several nodes') lock them in the same order and cannot
/// deadlock each other.
/// </summary>
internal sealed class PostgresClickStatements(AppDbContext db) : IClickStatements
{
    private readonly NpgsqlConnection _connection = (NpgsqlConnection)db.Database.GetDbConnection();
    private readonly NpgsqlTransaction _transaction = (NpgsqlTransaction)db.Database.CurrentTransaction!.GetDbTransaction();

    /// <summary>
    /// The batch's keys in one statement, each once; the server returns those that were new, and each is then taken
    /// by the first click in order that has it.
    /// </summary>
    public async Task MarkRepeatsAsync(IReadOnlyList<PendingClick> batch, CancellationToken ct)
    {
        var fresh = await InsertVisitorsAsync(VisitorRows(batch), ct);
        foreach (var pending in batch)
        {
            // Both removals run: a && would leave a repeat's fingerprint to a later click.
            var code = pending.Click.ReferralCodeId;
            var newDevice = fresh.Remove((code, pending.DeviceKey));
            var newAddress = pending.FingerprintKey is not { } fingerprint || fresh.Remove((code, fingerprint));
            pending.Click.IsRepeat = !(newDevice && newAddress);
        }
    }

    private async Task<HashSet<(Guid Code, string Key)>> InsertVisitorsAsync(
        List<(Guid Campaign, Guid Code, string Key)> rows, CancellationToken ct)
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

    /// <summary>Every visitor key of the batch once (one statement may not insert a row twice): the device key always,
    /// address + browser without a cookie.</summary>
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

    /// <summary>
    /// Binary COPY rather than an INSERT from arrays: the server stores each page's rows with one log record instead of
    /// one per row (a third fewer records for the clicks in <c>bench/profile --statements postgres hot-link</c>), and
    /// decodes no arrays (<c>bench/clicks-copy</c>, the statement alone: three to four tenths less time; it was half
    /// of what the writers cost PostgreSQL). A refused row (a duplicate id) fails the COPY and the transaction with
    /// it, as the INSERT did, so the writer's retry in parts works the same.
    /// </summary>
    public async Task InsertClicksAsync(IReadOnlyList<Click> clicks, CancellationToken ct)
    {
        await using var copy = await _connection.BeginBinaryImportAsync("""
            COPY "Clicks" ("Id", "CampaignId", "ReferralCodeId", "ParticipantId", "OccurredAt", "IpHash", "UserAgent",
                "DeviceId", "IsBot", "IsRepeat") FROM STDIN (FORMAT BINARY)
            """, ct);
        foreach (var c in clicks)
        {
            await copy.StartRowAsync(ct);
            await copy.WriteAsync(c.Id, NpgsqlDbType.Uuid, ct);
            await copy.WriteAsync(c.CampaignId, NpgsqlDbType.Uuid, ct);
            await copy.WriteAsync(c.ReferralCodeId, NpgsqlDbType.Uuid, ct);
            await copy.WriteAsync(c.ParticipantId, NpgsqlDbType.Uuid, ct);
            await copy.WriteAsync(c.OccurredAt, NpgsqlDbType.TimestampTz, ct);
            await copy.WriteAsync(c.IpHash, NpgsqlDbType.Text, ct);
            if (c.UserAgent is { } userAgent)
            {
                await copy.WriteAsync(userAgent, NpgsqlDbType.Text, ct);
            }
            else
            {
                await copy.WriteNullAsync(ct);
            }

            await copy.WriteAsync(c.DeviceId, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(c.IsBot, NpgsqlDbType.Boolean, ct);
            await copy.WriteAsync(c.IsRepeat, NpgsqlDbType.Boolean, ct);
        }

        await copy.CompleteAsync(ct);
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
