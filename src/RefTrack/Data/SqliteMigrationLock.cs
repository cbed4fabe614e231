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
            catch (IOException e) when (e is not DirectoryNotFoundException and not PathTooLongException)
            {
                if (!told)
                {
                    told = true;
                    waiting();
                }
            }

            await Task.Delay(RetryInterval, ct);
        }
    }

    public ValueTask DisposeAsync() => _file.DisposeAsync();
}
