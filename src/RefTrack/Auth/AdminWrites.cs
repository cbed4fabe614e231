using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using RefTrack.Data;

namespace RefTrack.Auth;

/// <summary>
/// An admin route's write, saved only while the caller's admin key is still active, checked in the write's own
/// transaction. <see cref="ActiveAdminKeyRequirement"/> checks the key when the request's headers arrive, before its
/// body is read; a client sending the body slowly (Kestrel takes 240 bytes a second) kept an authorized request open
/// for minutes, and a leaked admin key revoked meanwhile could still create a successor key once it finished (found by
/// review). On PostgreSQL the key's row is locked for share until the commit, so a revocation either waits for this
/// write or is seen by it; on SQLite the write transactions of one file take turns.
/// </summary>
internal static class AdminWrites
{
    /// <summary>Saves the context's changes; false, with nothing saved, when the caller's key is no longer an active
    /// admin key.</summary>
    public static Task<bool> SaveAsActiveAdminAsync(this AppDbContext db, ClaimsPrincipal caller, CancellationToken ct) =>
        db.InWriteAsync(async () =>
        {
            if (!await db.IsActiveAdminAsync(caller, ct))
            {
                return false;
            }

            await db.SaveChangesAsync(ct);
            return true;
        }, ct);

    /// <summary>Whether the caller's key is still an active admin key; inside a write transaction
    /// (<see cref="AppDbContext.InWriteAsync{T}"/>), whose writes it then guards until the commit.</summary>
    public static async Task<bool> IsActiveAdminAsync(this AppDbContext db, ClaimsPrincipal caller, CancellationToken ct)
    {
        var keyId = caller.KeyId();
        var active = db is PostgresAppDbContext
            ? db.Database.SqlQuery<Guid>(
                $"""SELECT "Id" AS "Value" FROM "ApiKeys" WHERE "Id" = {keyId} AND "IsAdmin" AND "RevokedAt" IS NULL FOR SHARE""")
            : db.ApiKeys.Where(k => k.Id == keyId && k.IsAdmin && k.RevokedAt == null).Select(k => k.Id);
        return (await active.ToListAsync(ct)).Count > 0;
    }
}
