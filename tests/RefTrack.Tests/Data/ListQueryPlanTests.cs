using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RefTrack.Tests.Infrastructure;
using RefTrack.Tests.Integration;

namespace RefTrack.Tests.Data;

/// <summary>
/// The lists page by id, and each of their queries must read its page off an index in that order, not sort every
/// matching row for it: with the rewards of 200,000 referrals the sort took 0.4 s a page on SQLite
/// (docs/benchmarks.md, Lists). SQLite plans without statistics (RefTrack never runs ANALYZE), so a query that names a
/// column another index also leads with can lose its own index to that one. Each endpoint's statements are recorded
/// as the service runs them and planned with <c>EXPLAIN QUERY PLAN</c> on the same database; the plan is the
/// schema's, not the data's, so a few rows show it.
/// </summary>
public sealed partial class ListQueryPlanTests
{
    private const string Sorted = "USE TEMP B-TREE FOR ORDER BY";

    [Fact]
    public async Task Every_list_reads_its_page_off_an_index_in_id_order()
    {
        var commands = new CommandLog();
        using var app = new TestApp(Provider.Sqlite)
        {
            TestServices = s => s.AddSingleton<ILoggerProvider>(commands).Configure<LoggerFilterOptions>(o =>
                o.AddFilter<CommandLog>(DbLoggerCategory.Database.Command.Name, LogLevel.Information)),
        };
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.AddRule(campaignId, new { trigger = "signup", recipient = "referrer", amount = 100, currency = "USD" });
        await client.AddRule(campaignId, new { trigger = "purchase", recipient = "referrer", amount = 200, currency = "USD" });
        var a = await client.Register(campaignId, "user-a");
        await client.Register(campaignId, "friend", referralCode: a.Str("referralCode"));
        var conversion = await client.Purchase(campaignId, "friend", 1000, "order-1");
        var list = $"/api/v1/campaigns/{campaignId}";
        var after = "&cursor=" + Base64Cursor(Guid.Empty);
        var ofA = $"&participantId={a.Str("id")}";

        async Task Expect(string url, string table, string index, bool rowsById = false)
        {
            commands.Clear();
            await client.GetOk(url);
            var statements = commands.Reading(table);
            Assert.True(statements.Count > 0, $"No statement read {table} for {url}.");
            AssertPlans(app, statements, table, index, url, rowsById);
        }

        await Expect($"{list}/participants?limit=5{after}", "Participants", "IX_Participants_CampaignId_Id");
        await Expect($"{list}/conversions?limit=5{after}", "Conversions", "IX_Conversions_CampaignId_Id");
        await Expect($"{list}/conversions?limit=5{ofA}{after}", "Conversions", "IX_Conversions_ParticipantId_Id");
        // The page's rewards, found by its conversions.
        await Expect($"{list}/conversions?limit=5{after}", "Rewards", "IX_Rewards_CampaignId_ConversionId_Id");
        // Without a status, the ids of each status's page off the index, then the rows of the page kept.
        await Expect($"{list}/rewards?limit=5{after}", "Rewards", "IX_Rewards_CampaignId_Status_Id", rowsById: true);
        await Expect($"{list}/rewards?limit=5&status=pending{after}", "Rewards", "IX_Rewards_CampaignId_Status_Id");
        await Expect($"{list}/rewards?limit=5{ofA}{after}", "Rewards", "IX_Rewards_ParticipantId_Status_Id",
            rowsById: true);
        await Expect($"{list}/rewards?limit=5{ofA}&status=pending{after}", "Rewards",
            "IX_Rewards_ParticipantId_Status_Id");
        // A conversion's own rewards: GET, and the replay of the same event.
        await Expect($"{list}/conversions/{conversion.Str("id")}", "Rewards", "IX_Rewards_CampaignId_ConversionId_Id");
        commands.Clear();
        await client.Purchase(campaignId, "friend", 1000, "order-1", expected: System.Net.HttpStatusCode.OK);
        AssertPlans(app, commands.Reading("Rewards"), "Rewards", "IX_Rewards_CampaignId_ConversionId_Id", "the replay");
    }

    /// <param name="rowsById">Whether the rows may also be read by their primary key (a page of ids found on
    /// <paramref name="index"/>, then their rows).</param>
    private static void AssertPlans(
        TestApp app, List<string> statements, string table, string index, string what, bool rowsById = false)
    {
        Assert.NotEmpty(statements);
        using var connection = new SqliteConnection($"Data Source={app.DatabasePath}");
        connection.Open();
        foreach (var sql in statements)
        {
            var plan = Plan(connection, sql);
            var lines = plan.Select(p => $"{p.Id} {p.Parent} {p.Detail}");
            var context = $"{what}\n{sql}\n{string.Join('\n', lines)}";
            // The plan names a table by its alias in the statement (EF Core's "p", "r0", …).
            var names = Alias().Matches(sql).Where(m => m.Groups[1].Value == table).Select(m => m.Groups[2].Value)
                .Append(table).ToHashSet();
            var reads = plan
                .Where(p => Read().Match(p.Detail) is { Success: true } m && names.Contains(m.Groups[1].Value))
                .ToList();
            Assert.True(reads.Count > 0, $"The plan does not read {table}: {context}");
            foreach (var read in reads)
            {
                Assert.True(read.Detail.Contains($" USING INDEX {index} (", StringComparison.Ordinal)
                            || read.Detail.Contains($" USING COVERING INDEX {index} (", StringComparison.Ordinal)
                            || (rowsById && read.Detail.EndsWith($" USING INDEX sqlite_autoindex_{table}_1 (Id=?)",
                                StringComparison.Ordinal)),
                    $"Expected a search of {index}: {context}");
                // A sort beside the read sorts what the read found; one further out sorts a page already cut.
                Assert.True(!plan.Any(p => p.Parent == read.Parent && p.Detail == Sorted), $"Sorted: {context}");
            }
        }
    }

    /// <summary>The statement's plan, its parameters bound to null (without statistics, SQLite plans by the
    /// schema).</summary>
    private static List<(int Id, int Parent, string Detail)> Plan(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        foreach (var name in ParameterName().Matches(sql).Select(m => m.Value).Distinct())
        {
            command.Parameters.AddWithValue(name, DBNull.Value);
        }

        var lines = new List<(int, int, string)>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            lines.Add((reader.GetInt32(0), reader.GetInt32(1), reader.GetString(3)));
        }

        return lines;
    }

    private static string Base64Cursor(Guid id) =>
        System.Buffers.Text.Base64Url.EncodeToString(id.ToByteArray(bigEndian: true));

    [GeneratedRegex(@"@[A-Za-z_][A-Za-z0-9_]*")]
    private static partial Regex ParameterName();

    [GeneratedRegex("\"(\\w+)\" AS \"(\\w+)\"")]
    private static partial Regex Alias();

    [GeneratedRegex(@"^(?:SCAN|SEARCH) (\w+)\b")]
    private static partial Regex Read();

    /// <summary>The SQL of every command EF Core runs (its CommandExecuted log event carries the text).</summary>
    private sealed class CommandLog : ILoggerProvider, ILogger
    {
        private readonly ConcurrentQueue<string> _commands = new();

        public void Clear() => _commands.Clear();

        /// <summary>Queries that read <paramref name="table"/> (not its writes).</summary>
        public List<string> Reading(string table) => _commands
            .Where(sql => sql.TrimStart().StartsWith("SELECT", StringComparison.OrdinalIgnoreCase)
                          && sql.Contains($"FROM \"{table}\"", StringComparison.Ordinal))
            .ToList();

        public ILogger CreateLogger(string categoryName) =>
            categoryName == DbLoggerCategory.Database.Command.Name ? this : NullLogger.Instance;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == RelationalEventId.CommandExecuted.Id
                && state is IReadOnlyList<KeyValuePair<string, object?>> values
                && values.FirstOrDefault(v => v.Key == "commandText").Value is string sql)
            {
                _commands.Enqueue(sql);
            }
        }

        public void Dispose()
        {
        }
    }
}
