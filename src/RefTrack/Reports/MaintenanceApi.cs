using Microsoft.AspNetCore.Http.HttpResults;
using RefTrack.Auth;
using RefTrack.Data;

namespace RefTrack.Reports;

public static class MaintenanceApi
{
    public static RouteGroupBuilder MapMaintenance(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/maintenance").WithTags("Maintenance").RequireAuthorization(Caller.AdminPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        group.MapPost("/rebuild-rollups", Rebuild);
        return group;
    }

    /// <summary>Recomputes report rollups and referral counters from the raw tables (admin only).</summary>
    /// <remarks>Not on the request's token: on a large database the rebuild outlasts a proxy's or client's timeout
    /// (minutes, docs/operations.md), and cancelled with its caller it rolled back where it stood, so behind such a
    /// proxy it never finished. Once begun it runs to its end (the 204 reaches a caller still there); only the service
    /// stopping cancels it, which rolls it back whole.</remarks>
    private static async Task<NoContent> Rebuild(AppDbContext db, IHostApplicationLifetime lifetime)
    {
        await RollupRebuilder.RebuildAsync(db, lifetime.ApplicationStopping);
        return TypedResults.NoContent();
    }
}
