using RefTrack.Data;

namespace RefTrack.Tests.Data;

/// <summary>
/// The file lock SQLite nodes take around migrations: a start waits while another process holds it, and fails at once,
/// naming the file and the setting, when the lock file cannot be opened at all (it waited forever before).
/// </summary>
public sealed class SqliteMigrationLockTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("reftrack-lock-").FullName;

    private string DatabasePath => Path.Combine(_folder, "reftrack.db");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_start_waits_while_the_lock_is_held_and_takes_it_once_released()
    {
        // flock is per open file: a second open in this process conflicts just as another process's would.
        var holder = new FileStream(SqliteMigrationLock.PathFor(DatabasePath), FileMode.OpenOrCreate,
            FileAccess.ReadWrite, FileShare.None);
        var waited = new TaskCompletionSource();
        var acquiring = SqliteMigrationLock.AcquireAsync(DatabasePath, () => waited.TrySetResult(), CancellationToken.None);

        await waited.Task.WaitAsync(TimeSpan.FromSeconds(30)); // A guard against waiting forever, not a measure.
        Assert.False(acquiring.IsCompleted);

        await holder.DisposeAsync();
        await using var taken = await acquiring.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_lock_file_that_cannot_be_opened_fails_the_start_naming_it_instead_of_waiting()
    {
        // A link to itself: opening it fails with ELOOP, an IOException that no waiting cures, like a read-only
        // filesystem's EROFS (which a test cannot make without mounting one).
        var lockFile = SqliteMigrationLock.PathFor(DatabasePath);
        File.CreateSymbolicLink(lockFile, lockFile);
        var waited = false;

        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            SqliteMigrationLock.AcquireAsync(DatabasePath, () => waited = true, guard.Token));

        Assert.False(waited);
        Assert.Contains(lockFile, e.Message, StringComparison.Ordinal);
        Assert.Contains("RefTrack:Database:Path", e.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<IOException>(e.InnerException);
    }
}
