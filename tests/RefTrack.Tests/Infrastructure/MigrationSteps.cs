using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using RefTrack.Data;

namespace RefTrack.Tests.Infrastructure;

/// <summary>A test's own database migrated step by step: to just before one migration, so that rows seeded there are
/// as the versions before it wrote them, then on through it, to test what it does to them.</summary>
public static class MigrationSteps
{
    public static AppDbContext Context(Provider provider, TestDatabase database) => provider == Provider.Sqlite
        ? new SqliteAppDbContext(new DbContextOptionsBuilder<SqliteAppDbContext>().UseSqlite(database.ConnectionString).Options)
        : new PostgresAppDbContext(new DbContextOptionsBuilder<PostgresAppDbContext>().UseNpgsql(database.ConnectionString).Options);

    /// <summary>Migrates to the migration before the one named <paramref name="migration"/> (its name without the
    /// timestamp, e.g. <c>RewardRuleTerms</c>) and returns that one's full name, to migrate back down to.</summary>
    public static async Task<string> MigrateToBeforeAsync(AppDbContext db, string migration)
    {
        var migrations = db.Database.GetMigrations().ToList();
        var before = migrations[migrations.FindIndex(m => m.EndsWith("_" + migration, StringComparison.Ordinal)) - 1];
        await MigrateAsync(db, before);
        return before;
    }

    /// <summary>To <paramref name="target"/>, up or down; to the latest without one.</summary>
    public static Task MigrateAsync(AppDbContext db, string? target = null) =>
        db.GetService<IMigrator>().MigrateAsync(target);
}
