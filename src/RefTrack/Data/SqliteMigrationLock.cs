namespace RefTrack.Data;

/// <summary>
/// The lock SQLite nodes on one file take around start-up migrations: an exclusive lock on a file beside the database
/// (<c>reftrack.db.migration-lock</c>), which the operating system releases when the process ends however it ends.
/// EF Core's own SQLite lock is a committed row in <c>__EFMigrationsLock</c> that a killed process leaves behind,
/// after which every start waits for it forever (dotnet/efcore#38958). Under this lock no other RefTrack process is
/// migrating, so such a row is stale and can be deleted; nodes starting together on one file still migrate one at a time.
/// </summary>
internal sealed class SqliteMigrationLock : IAsyncDisposable
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(100);

    private readonly FileStream _file;

    private SqliteMigrationLock(FileStream file) => _file = file;

    public static string PathFor(string databasePath) => databasePath + ".migration-lock";

    /// <param name="waiting">Called once if another process holds the lock (it is migrating).</param>
    public static async Task<SqliteMigrationLock> AcquireAsync(string databasePath, Action waiting, CancellationToken ct)
    {
        var told = false;
        while (true)
        {
            try
            {
                // FileShare.None is an exclusive flock on Unix and a share mode on Windows: both end with the process.
                return new SqliteMigrationLock(new FileStream(
                    PathFor(databasePath), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException e) when (HeldByAnotherProcess(e))
            {
                if (!told)
                {
                    told = true;
                    waiting();
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Any other failure lasts (a link loop, a file on a filesystem made read-only since the database
                // opened): waiting for it would hang the start behind a "waiting for migrations" line, as every
                // IOException did before.
                throw new InvalidOperationException(
                    $"Cannot open the migration lock file {PathFor(databasePath)} beside the SQLite database " +
                    $"(RefTrack:Database:Path): {e.Message}", e);
            }

            await Task.Delay(RetryInterval, ct);
        }
    }

    /// <summary>
    /// The one failure worth waiting for: the file is locked by another process. .NET reports it as an IOException
    /// whose HResult is, on Unix, flock's errno EWOULDBLOCK (11 on Linux, 35 on macOS and FreeBSD) and, on Windows,
    /// ERROR_SHARING_VIOLATION or ERROR_LOCK_VIOLATION as an HRESULT.
    /// </summary>
    private static bool HeldByAnotherProcess(IOException e) => OperatingSystem.IsWindows()
        ? e.HResult is unchecked((int)0x80070020) or unchecked((int)0x80070021)
        : e.HResult == (OperatingSystem.IsLinux() ? 11 : 35);

    public ValueTask DisposeAsync() => _file.DisposeAsync();
}
