using Microsoft.Extensions.Diagnostics.HealthChecks;
using RefTrack.Data;

namespace RefTrack.Infrastructure;

/// <summary>Healthy when the database answers; what a load balancer should probe.</summary>
internal sealed class DatabaseHealthCheck(AppDbContext db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        await db.Database.CanConnectAsync(cancellationToken)
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("Database unreachable.");
}
