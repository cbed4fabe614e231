using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace RefTrack.Data;

/// <summary>
/// The PostgreSQL database named by the connection string, created at start-up when it is missing and RefTrack may
/// migrate, as SQLite's file is. Without this, the migration lock's connection, opened before EF Core's Migrate (which
/// would create it), failed with the server's 3D000 and a stack trace, on the first start of every new deployment.
/// </summary>
internal static class PostgresDatabaseCreation
{
    /// <summary>Whether this call created the database; throws, saying what to do, when it is missing and may not
    /// be created.</summary>
    /// <param name="target">The connection string's parts, as start-up parsed them to log where it connects.</param>
    /// <param name="mayCreate">RefTrack:Database:MigrateOnStart: a node that may not migrate does not create
    /// either.</param>
    public static async Task<bool> CreateIfMissingAsync(
        AppDbContext db, NpgsqlConnectionStringBuilder target, bool mayCreate, CancellationToken ct)
    {
        var creator = db.GetService<IRelationalDatabaseCreator>();
        if (await creator.ExistsAsync(ct))
        {
            return false;
        }

        var where = $"The PostgreSQL database {target.Database} does not exist on {target.Host}:{target.Port}";
        if (!mayCreate)
        {
            throw new InvalidOperationException(
                $"{where} and RefTrack:Database:MigrateOnStart is false: create it and apply the migrations " +
                "(docs/operations.md, \"Migrations\"), or start with MigrateOnStart=true, which creates it.");
        }

        try
        {
            await creator.CreateAsync(ct);
            return true;
        }
        catch (PostgresException e)
            when (e.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
        {
            // Another node starting at the same moment created it first: the database is there, which is all this
            // needs. The loser's CREATE gets 42P04 when the winner had committed before it was sent, and 23505 on
            // pg_database's unique index when the two ran together; EF Core's provider absorbs that second one
            // itself and returns as if it had created the database (so both nodes log "Created"), kept here in case
            // a version of it does not. MigrationTests start two nodes on a missing database.
            return false;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            // The message is the server's own too: creating connects to the server's "postgres" database first, and a
            // user refused there gets the same code.
            throw new InvalidOperationException(
                $"{where}, and user {target.Username} may not create it ({e.MessageText}): create it " +
                $"(CREATE DATABASE \"{target.Database}\" OWNER \"{target.Username}\") or grant the user CREATEDB.", e);
        }
    }
}
