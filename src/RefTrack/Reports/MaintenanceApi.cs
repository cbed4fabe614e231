using Microsoft.AspNetCore.Http.HttpResults;
using RefTrack.Auth;
using RefTrack.Data;
using RefTrack.Infrastructure;

namespace RefTrack.Reports;

public static class MaintenanceApi
{
    public static RouteGroupBuilder MapMaintenance(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/maintenance").WithTags("Maintenance").RequireAuthorization(Caller.AdminPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        group.MapPost("/rebuild-rollups", Rebuild).ProducesProblem(StatusCodes.Status409Conflict);
        return group;
    }

    /// <summary>Recomputes report rollups and referral counters from the raw tables (admin only).</summary>
    /// <remarks>Not on the request's token: on a large database the rebuild outlasts a proxy's or client's timeout
    /// (minutes, docs/operations.md), and cancelled with its caller it rolled back where it stood, so behind such a
    /// proxy it never finished. Once begun it runs to its end (the 204 reaches a caller still there); only the service
    /// stopping cancels it, which rolls it back whole.</remarks>
    private static async Task<Results<NoContent, ProblemHttpResult>> Rebuild(
        AppDbContext db, IHostApplicationLifetime lifetime)
    {
        return await RollupRebuilder.RebuildAsync(db, lifetime.ApplicationStopping)
            ? TypedResults.NoContent()
            : Problems.Conflict("rebuild-in-progress", "A rollup rebuild is already running.",
                "It counts every row committed before it began; its figures show in the reports once it commits. Send this "
                + "again after it has answered only for rows written by hand since it began.");
    }
}
