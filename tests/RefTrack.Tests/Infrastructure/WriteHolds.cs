using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using RefTrack.Data;

namespace RefTrack.Tests.Infrastructure;

/// <summary>What a test holds so that the service's writes wait for it, let go when disposed.</summary>
public static class WriteHolds
{
    /// <summary>A PostgreSQL lock on <paramref name="table"/> in <paramref name="mode"/> (<c>SHARE</c>, <c>EXCLUSIVE</c>,
    /// …), held by a transaction on a connection of its own and committed when disposed.</summary>
    public static Task<IAsyncDisposable> LockTableAsync(string connectionString, string table, string mode) =>
        HoldAsync(connectionString, $"""LOCK TABLE "{table}" IN {mode} MODE""");

    /// <summary>The rollup tables, locked as a rollup rebuild's first statement locks them
    /// (<see cref="RefTrack.Reports.RollupRebuilder.RollupTablesLocked"/>), until disposed.</summary>
    public static Task<IAsyncDisposable> RollupsAsARebuildHoldsThemAsync(string connectionString) =>
        HoldAsync(connectionString, RefTrack.Reports.RollupRebuilder.RollupTablesLocked);

    private static async Task<IAsyncDisposable> HoldAsync(string connectionString, string lockSql)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var tx = await connection.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand(lockSql, connection, tx))
        {
            await hold.ExecuteNonQueryAsync();
        }

        return new Releaser(() =>
        {
            tx.Commit();
            connection.Dispose();
        });
    }

    /// <summary>Writes to <paramref name="table"/> held: on SQLite the process's write gate for the test's file, which
    /// every writer of it waits for (the group commit too); on PostgreSQL <see cref="LockTableAsync"/>.</summary>
    public static async Task<IAsyncDisposable> HoldAsync(TestApp app, string table, string postgresMode)
    {
        if (app.Database.Provider == Provider.Sqlite)
        {
            using var scope = app.Services.CreateScope();
            var gate = SqliteAppDbContext.GateFor(scope.ServiceProvider.GetRequiredService<AppDbContext>());
            await gate.WaitAsync();
            return new Releaser(() => gate.Release());
        }

        return await LockTableAsync(app.Database.ConnectionString, table, postgresMode);
    }
}
