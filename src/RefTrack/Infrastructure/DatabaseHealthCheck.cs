using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using RefTrack.Data;

namespace RefTrack.Infrastructure;

/// <summary>Healthy when the database answers a query; what a load balancer should probe.</summary>
/// <remarks>
/// A real statement, not <c>CanConnectAsync</c>: on SQLite that only checks that the file exists, so a file that is
/// not a database (corrupt, or something else at that path) was healthy while every request failed. Reading one row
/// of the migrations history needs the file's header and schema (SQLite's <c>SELECT 1</c> alone reads neither) and
/// stays cheap, as a check probed every few seconds must.
/// </remarks>
internal sealed class DatabaseHealthCheck(AppDbContext db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await db.Database.ExecuteSqlRawAsync("SELECT 1 FROM \"__EFMigrationsHistory\" LIMIT 1", cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The database's own message ("file is not a database", "connection refused"): it carries no password.
            return HealthCheckResult.Unhealthy($"Database unusable: {e.Message}");
        }
    }
}
