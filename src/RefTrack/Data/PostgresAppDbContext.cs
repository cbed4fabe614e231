using Microsoft.EntityFrameworkCore;

namespace RefTrack.Data;

/// <summary>
/// PostgreSQL: <c>DateTime</c> maps to <c>timestamptz</c> (every value we write is UTC), <c>long</c> to
/// <c>bigint</c>, <c>Guid</c> to <c>uuid</c>. Its migrations live in Migrations/Postgres.
/// </summary>
public sealed class PostgresAppDbContext(DbContextOptions<PostgresAppDbContext> options) : AppDbContext(options);
