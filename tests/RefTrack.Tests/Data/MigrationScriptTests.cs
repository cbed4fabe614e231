using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using RefTrack.Data;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Data;

/// <summary>
/// The scripts docs/operations.md tells an operator to apply by hand are what <c>dotnet ef migrations script</c>
/// prints, i.e. <see cref="IMigrator.GenerateScript"/>: they must run on an empty database, and the idempotent
/// PostgreSQL one must run twice.
/// </summary>
public sealed class MigrationScriptTests
{
    [Fact]
    public async Task Idempotent_postgres_script_creates_the_schema_and_can_run_twice()
    {
        using var database = TestDatabase.Create(Provider.Postgres);
        await using var db = new PostgresAppDbContext(new DbContextOptionsBuilder<PostgresAppDbContext>()
            .UseNpgsql(database.ConnectionString).Options);
        var script = db.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent);

        await using var connection = new Npgsql.NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        for (var run = 1; run <= 2; run++)
        {
            await using var command = new Npgsql.NpgsqlCommand(script, connection);
            await command.ExecuteNonQueryAsync();
        }

        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
    }

    [Fact]
    public async Task Sqlite_script_creates_the_schema_on_an_empty_file()
    {
        using var database = TestDatabase.Create(Provider.Sqlite);
        await using var db = new SqliteAppDbContext(new DbContextOptionsBuilder<SqliteAppDbContext>()
            .UseSqlite(database.ConnectionString).Options);
        var script = db.GetService<IMigrator>().GenerateScript();

        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = script;
        await command.ExecuteNonQueryAsync();

        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
    }
}
