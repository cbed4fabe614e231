using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using RefTrack.Data;

namespace RefTrack.Infrastructure;

/// <summary>Healthy when the database answers a query and takes writes; what a load balancer should probe.
/// Degraded (still 200, so a balancer keeps the node; the body says <c>Degraded</c>) when a write failed on this node
/// within the last <see cref="DatabaseFailures.Window"/>: a full disk or a read-only file passes the read, and a write
/// probe of its own would take the write lock from clicks and signups every few seconds.</summary>
/// <remarks>
/// A real statement, not <c>CanConnectAsync</c>: on SQLite that only checks that the file exists, so a file that is
/// not a database (corrupt, or something else at that path) was healthy while every request failed. Reading one row
/// of the migrations history needs the file's header and schema (SQLite's <c>SELECT 1</c> alone reads neither) and
/// stays cheap, as a check probed every few seconds must.
/// On PostgreSQL the statement asks whether this session may write: a node pointed at a standby (a failover that left
/// the address on the old primary, a replica's address by mistake) or at a read-only role reads fine while every click
/// batch, signup and purchase fails, so it must leave the balancer's pool. It reads no table: EF Core's migration lock
/// holds the migrations history in ACCESS EXCLUSIVE mode while a node migrates, and the probe of every node already
/// running waited behind it, up to the command timeout, and took them all out of the balancer's pool during a rolling
/// upgrade (found by review).
/// </remarks>
internal sealed class DatabaseHealthCheck(AppDbContext db, DatabaseFailures failures) : IHealthCheck
{
    /// <summary>How long the probe may take before the check is Unhealthy.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            if (!db.Database.IsNpgsql())
            {
                await db.Database.ExecuteSqlRawAsync("SELECT 1 FROM \"__EFMigrationsHistory\" LIMIT 1", cancellationToken);
                return Writable();
            }

            // transaction_read_only is "on" on a hot standby (pg_is_in_recovery) and under default_transaction_read_only.
            var readOnly = await db.Database
                .SqlQueryRaw<bool>(
                    "SELECT current_setting('transaction_read_only') = 'on' AS \"Value\"")
                .ToListAsync(cancellationToken);
            return readOnly is [true]
                ? HealthCheckResult.Unhealthy("Database unusable: the connection is read-only (a standby, or a read-only role)")
                : Writable();
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The database's own message ("file is not a database", "connection refused"): it carries no password.
            return HealthCheckResult.Unhealthy($"Database unusable: {e.Message}");
        }
    }

    private HealthCheckResult Writable() =>
        failures.Recent() is { } failure ? HealthCheckResult.Degraded(failure) : HealthCheckResult.Healthy();
}
