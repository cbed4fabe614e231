using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using RefTrack.Data;

namespace RefTrack.Links;

/// <summary>
/// SQLite's fast path for the click writer: one prepared statement per table, re-bound and stepped per row,
/// inside the writer's transaction. In-process SQLite makes a prepared single-row insert cheaper than any
/// multi-row statement (whose parameter binding grows with the square of its size in Microsoft.Data.Sqlite).
/// Values are written in EF Core's SQLite formats (upper-case GUID text, "yyyy-MM-dd HH:mm:ss.FFFFFFF" times).
/// </summary>
internal sealed class SqliteClickStatements(AppDbContext db) : IDisposable
{
    private readonly SqliteConnection _connection = (SqliteConnection)db.Database.GetDbConnection();
    private readonly SqliteTransaction _transaction = (SqliteTransaction)db.Database.CurrentTransaction!.GetDbTransaction();
    private SqliteCommand? _visitor;
    private SqliteCommand? _click;

    public HashSet<(Guid Code, string Key)> InsertVisitors(IEnumerable<(Guid Campaign, Guid Code, string Key)> rows)
    {
        _visitor ??= Prepare("""
            INSERT INTO "ClickVisitors" ("CampaignId", "ReferralCodeId", "VisitorKey") VALUES ($c, $r, $k)
            ON CONFLICT DO NOTHING
            """, "$c", "$r", "$k");
        var fresh = new HashSet<(Guid, string)>();
        foreach (var (campaign, code, key) in rows)
        {
            var p = _visitor.Parameters;
            p[0].Value = Text(campaign);
            p[1].Value = Text(code);
            p[2].Value = key;
            if (_visitor.ExecuteNonQuery() == 1)
            {
                fresh.Add((code, key));
            }
        }

        return fresh;
    }

    public void InsertClicks(IEnumerable<Click> clicks)
    {
        _click ??= Prepare("""
            INSERT INTO "Clicks" ("Id", "CampaignId", "ReferralCodeId", "ParticipantId", "OccurredAt", "IpHash",
                "UserAgent", "DeviceId", "IsBot", "IsRepeat")
            VALUES ($id, $campaign, $code, $participant, $at, $ip, $ua, $device, $bot, $repeat)
            """, "$id", "$campaign", "$code", "$participant", "$at", "$ip", "$ua", "$device", "$bot", "$repeat");
        foreach (var c in clicks)
        {
            var p = _click.Parameters;
            p[0].Value = Text(c.Id);
            p[1].Value = Text(c.CampaignId);
            p[2].Value = Text(c.ReferralCodeId);
            p[3].Value = Text(c.ParticipantId);
            p[4].Value = c.OccurredAt.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);
            p[5].Value = c.IpHash;
            p[6].Value = (object?)c.UserAgent ?? DBNull.Value;
            p[7].Value = c.DeviceId;
            p[8].Value = c.IsBot ? 1 : 0;
            p[9].Value = c.IsRepeat ? 1 : 0;
            _click.ExecuteNonQuery();
        }
    }

    public void Dispose()
    {
        _visitor?.Dispose();
        _click?.Dispose();
    }

    private SqliteCommand Prepare(string sql, params string[] names)
    {
        var command = _connection.CreateCommand();
        command.Transaction = _transaction;
        command.CommandText = sql;
        foreach (var name in names)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        return command;
    }

    private static string Text(Guid id) => id.ToString("D").ToUpperInvariant();
}
