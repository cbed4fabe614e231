using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using RefTrack.Data;
using RefTrack.Infrastructure;

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
    /// <summary>Saves the context's changes in a write transaction; the refusal instead, with nothing saved: 403 when
    /// the caller's key is no longer an active admin key, or what <paramref name="first"/> answers, which runs in the
    /// same transaction once the key is checked and refuses by answering other than null.</summary>
    public static Task<ProblemHttpResult?> SaveAsActiveAdminAsync(
        this AppDbContext db, ClaimsPrincipal caller, CancellationToken ct, Func<Task<ProblemHttpResult?>>? first = null) =>
        db.InWriteAsync<ProblemHttpResult?>(async () =>
        {
            if (!await IsActiveAdminAsync(db, caller, ct))
            {
                return Problems.Forbidden();
            }

            if (first is not null && await first() is { } refused)
            {
                return refused;
            }

            await db.SaveChangesAsync(ct);
            return null;
        }, ct);

    private static async Task<bool> IsActiveAdminAsync(AppDbContext db, ClaimsPrincipal caller, CancellationToken ct)
    {
        var keyId = caller.KeyId();
        var active = db is PostgresAppDbContext
            ? db.Database.SqlQuery<Guid>(
                $"""SELECT "Id" AS "Value" FROM "ApiKeys" WHERE "Id" = {keyId} AND "IsAdmin" AND "RevokedAt" IS NULL FOR SHARE""")
            : db.ApiKeys.Where(k => k.Id == keyId && k.IsAdmin && k.RevokedAt == null).Select(k => k.Id);
        return (await active.ToListAsync(ct)).Count > 0;
    }
}
