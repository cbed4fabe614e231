using Microsoft.EntityFrameworkCore;
using RefTrack.Rewards;

namespace RefTrack.Data;

/// <summary>
/// PostgreSQL: <c>DateTime</c> maps to <c>timestamptz</c> (every value we write is UTC), <c>long</c> to
/// <c>bigint</c>, <c>Guid</c> to <c>uuid</c>. Its migrations live in Migrations/Postgres.
/// </summary>
public sealed class PostgresAppDbContext(DbContextOptions<PostgresAppDbContext> options) : AppDbContext(options)
{
    /// <summary>Set by <see cref="DirectTransactionRunner"/> for a one-command unit, reset after it (so a pooled
    /// context is returned with it reset), read by <see cref="OneCommandGuard"/>.</summary>
    internal OneCommandState OneCommand { get; set; }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);

        // No foreign key from a reward to its rule. PostgreSQL checks a foreign key by locking the parent row FOR KEY
        // SHARE until the commit; every purchase's and signup's rewards name the same few rules, so concurrent
        // transactions all lock those rows, and each lock past the first makes PostgreSQL write a new multixact (the
        // set of lockers) into the row and its log. Without it purchases ran 23–60% faster in three alternated pairs,
        // with a quarter less of PostgreSQL's CPU each (docs/benchmarks-log.md, 12-04 16:44). What it guarded holds
        // anyway: a rule is never deleted (the API's DELETE deactivates it), and a reward's rule id is always that of a
        // rule read from the database (RewardRules, through ActiveRuleCache). SQLite, with one writer and no row
        // locks, keeps the key.
        var reward = modelBuilder.Entity<Reward>().Metadata;
        reward.RemoveForeignKey(reward.GetForeignKeys().Single(k => k.PrincipalEntityType.ClrType == typeof(RewardRule)));
    }
}
