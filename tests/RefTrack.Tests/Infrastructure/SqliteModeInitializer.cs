using System.Runtime.CompilerServices;
using RefTrack.Data;

namespace RefTrack.Tests.Infrastructure;

/// <summary>
/// Puts SQLite in the mode the service runs it in (<see cref="SqliteLibrary"/>) before any test opens a connection:
/// tests open some directly, and SQLite takes the setting only before its first connection, so otherwise whichever
/// test ran first would decide the mode for the whole run.
/// </summary>
internal static class SqliteModeInitializer
{
    [ModuleInitializer]
    internal static void Configure() => SqliteLibrary.Configure();
}
