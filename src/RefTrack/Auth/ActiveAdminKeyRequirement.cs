using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;
using RefTrack.Data;

namespace RefTrack.Auth;

/// <summary>
/// The admin routes (API keys, campaigns, maintenance) ask the database whether the caller's admin key is still
/// active, not only this node's key cache: a key revoked on another node works here for up to
/// <see cref="AuthOptions.KeyCacheSeconds"/>, and a leaked admin key could meanwhile have created a successor that
/// outlives its revocation (found by review). Admin calls are rare; every other route keeps the cache. This runs before
/// the request's body is read; the writes that create something check the key again (<see cref="AdminWrites"/>).
/// </summary>
internal sealed class ActiveAdminKeyRequirement : AuthorizationHandler<ActiveAdminKeyRequirement>, IAuthorizationRequirement
{
    protected override async Task HandleRequirementAsync(
        AuthorizationHandlerContext context, ActiveAdminKeyRequirement requirement)
    {
        if (context.Resource is not HttpContext http || !context.User.HasClaim(Caller.AdminClaim, "true"))
        {
            return; // Not an admin key at all: the policy's claim requirement refuses it, with no query.
        }

        var keyId = context.User.KeyId();
        var db = http.RequestServices.GetRequiredService<AppDbContext>();
        if (await db.ApiKeys.AnyAsync(k => k.Id == keyId && k.IsAdmin && k.RevokedAt == null, http.RequestAborted))
        {
            context.Succeed(requirement);
        }
    }
}
