using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using RefTrack.Data;
using static RefTrack.Data.SqliteFormats;

namespace RefTrack.Links;

/// <summary>
/// SQLite's click writer statements: one prepared statement per table, re-bound and stepped per row, inside the
/// writer's transaction. In-process SQLite makes a prepared single-row statement cheaper than any multi-row one
/// (whose parameter binding grows with the square of its size in Microsoft.Data.Sqlite).
/// Values are written in EF Core's SQLite formats (<see cref="SqliteFormats"/>).
/// </summary>
internal sealed class SqliteClickStatements(AppDbContext db) : IClickStatements
{
    private readonly SqliteConnection _connection = (SqliteConnection)db.Database.GetDbConnection();
    private readonly SqliteTransaction _transaction = (SqliteTransaction)db.Database.CurrentTransaction!.GetDbTransaction();
    private readonly List<SqliteCommand> _commands = [];

    public Task<HashSet<(Guid Code, string Key)>> InsertVisitorsAsync(
        IReadOnlyList<(Guid Campaign, Guid Code, string Key)> rows, CancellationToken ct)
    {
        var command = Prepare("""
            INSERT INTO "ClickVisitors" ("CampaignId", "ReferralCodeId", "VisitorKey") VALUES ($c, $r, $k)
            ON CONFLICT DO NOTHING
            """, "$c", "$r", "$k");
        var fresh = new HashSet<(Guid, string)>();
        foreach (var (campaign, code, key) in rows)
        {
            var p = command.Parameters;
            p[0].Value = Text(campaign);
            p[1].Value = Text(code);
            p[2].Value = key;
            if (command.ExecuteNonQuery() == 1)
            {
                fresh.Add((code, key));
            }
        }

        return Task.FromResult(fresh);
    }

    public Task InsertClicksAsync(IReadOnlyList<Click> clicks, CancellationToken ct)
    {
        var command = Prepare("""
            INSERT INTO "Clicks" ("Id", "CampaignId", "ReferralCodeId", "ParticipantId", "OccurredAt", "IpHash",
                "UserAgent", "DeviceId", "IsBot", "IsRepeat")
            VALUES ($id, $campaign, $code, $participant, $at, $ip, $ua, $device, $bot, $repeat)
            """, "$id", "$campaign", "$code", "$participant", "$at", "$ip", "$ua", "$device", "$bot", "$repeat");
        foreach (var c in clicks)
        {
            var p = command.Parameters;
            p[0].Value = Text(c.Id);
            p[1].Value = Text(c.CampaignId);
            p[2].Value = Text(c.ReferralCodeId);
            p[3].Value = Text(c.ParticipantId);
            p[4].Value = Text(c.OccurredAt);
            p[5].Value = c.IpHash;
            p[6].Value = (object?)c.UserAgent ?? DBNull.Value;
            p[7].Value = c.DeviceId;
            p[8].Value = c.IsBot ? 1 : 0;
            p[9].Value = c.IsRepeat ? 1 : 0;
            command.ExecuteNonQuery();
        }

        return Task.CompletedTask;
    }

    public Task AddParticipantClicksAsync(IReadOnlyList<ParticipantClicks> rows, CancellationToken ct)
    {
        var command = Prepare("""
            INSERT INTO "ParticipantDailyClicks" ("CampaignId", "ParticipantId", "Day", "Clicks", "UniqueClicks", "BotClicks")
            VALUES ($c, $p, $d, $n, $u, $b)
            ON CONFLICT ("CampaignId", "ParticipantId", "Day") DO UPDATE SET
                "Clicks" = "ParticipantDailyClicks"."Clicks" + excluded."Clicks",
                "UniqueClicks" = "ParticipantDailyClicks"."UniqueClicks" + excluded."UniqueClicks",
                "BotClicks" = "ParticipantDailyClicks"."BotClicks" + excluded."BotClicks"
            """, "$c", "$p", "$d", "$n", "$u", "$b");
        foreach (var r in rows)
        {
            var p = command.Parameters;
            p[0].Value = Text(r.CampaignId);
            p[1].Value = Text(r.ParticipantId);
            p[2].Value = Text(r.Day);
            p[3].Value = r.Clicks;
            p[4].Value = r.UniqueClicks;
            p[5].Value = r.BotClicks;
            command.ExecuteNonQuery();
        }

        return Task.CompletedTask;
    }

    public void Dispose() => _commands.ForEach(c => c.Dispose());

    private SqliteCommand Prepare(string sql, params string[] names)
    {
        var command = _connection.CreateCommand();
        command.Transaction = _transaction;
        command.CommandText = sql;
        foreach (var name in names)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        _commands.Add(command);
        return command;
    }
}
