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
    private static async Task<NoContent> Rebuild(AppDbContext db, CancellationToken ct)
    {
        await RollupRebuilder.RebuildAsync(db, ct);
        return TypedResults.NoContent();
    }
}
