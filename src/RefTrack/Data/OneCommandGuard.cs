using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace RefTrack.Data;

/// <summary>
/// Holds a one-command write unit (<see cref="ITransactionRunner.RunOneCommandAsync{T}"/>) to its word on PostgreSQL:
/// such a unit runs outside any explicit transaction, so a second command would not be undone with the first, nor the
/// first with it. EF Core creates every command it sends through this interceptor; the second one of such a unit
/// throws before it is sent.
/// </summary>
internal sealed class OneCommandGuard : DbCommandInterceptor
{
    public static readonly OneCommandGuard Instance = new();

    public static void Expect(AppDbContext db) => SetState(db, OneCommandState.Expected);

    public static void Release(AppDbContext db) => SetState(db, OneCommandState.None);

    private static void SetState(AppDbContext db, OneCommandState state)
    {
        if (db is PostgresAppDbContext postgres)
        {
            postgres.OneCommand = state;
        }
    }

    public override InterceptionResult<DbCommand> CommandCreating(
        CommandCorrelatedEventData eventData, InterceptionResult<DbCommand> result)
    {
        if (eventData.Context is PostgresAppDbContext { OneCommand: not OneCommandState.None } db)
        {
            if (db.OneCommand == OneCommandState.Sent)
            {
                throw new InvalidOperationException(
                    "A one-command write unit sent a second command; the first has committed on its own. " +
                    "Run a unit of several commands with ITransactionRunner.RunAsync.");
            }

            db.OneCommand = OneCommandState.Sent;
        }

        return result;
    }
}

/// <summary>Where a context is in a one-command write unit (<see cref="OneCommandGuard"/>).</summary>
internal enum OneCommandState
{
    None,
    Expected,
    Sent,
}
