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

    /// <summary>Arms the guard for a unit about to run; outside a transaction only, or the unit's command would
    /// commit with that transaction instead of on its own.</summary>
    public static void Expect(PostgresAppDbContext db)
    {
        if (db.Database.CurrentTransaction is not null)
        {
            throw new InvalidOperationException("A one-command write unit cannot run inside an open transaction.");
        }

        db.OneCommand = OneCommandState.Expected;
    }

    /// <summary>After the unit: it sent its command. A unit that sent none answered as if it had written.</summary>
    public static void EnsureSent(PostgresAppDbContext db)
    {
        if (db.OneCommand != OneCommandState.Sent)
        {
            throw new InvalidOperationException("A one-command write unit sent no command.");
        }
    }

    public static void Release(PostgresAppDbContext db) => db.OneCommand = OneCommandState.None;

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
