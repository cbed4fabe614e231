using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using RefTrack.Data;
using RefTrack.Infrastructure;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Data;

/// <summary>
/// Every node sweeps expired <c>Idempotency-Key</c> records (<see cref="IdempotencySweep"/>). On PostgreSQL a sweep
/// must not wait for rows another transaction holds (another node's sweep, a retry taking an expired key over): it
/// deletes the rest and leaves those for later, so sweeps never queue behind each other or deadlock.
/// </summary>
public sealed class PostgresIdempotencySweepTests
{
    [Fact]
    public async Task A_sweep_skips_expired_records_another_transaction_holds()
    {
        using var app = new TestApp(Provider.Postgres);
        var sweep = app.Services.GetRequiredService<IdempotencySweep>();
        var expiredAt = app.Clock.GetUtcNow().UtcDateTime - new IdempotencyOptions().Retention - TimeSpan.FromHours(1);
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            db.IdempotencyRecords.AddRange(new[] { "held", "free-1", "free-2" }.Select(s => new IdempotencyRecord
            {
                Scope = s, RequestHash = "hash", StatusCode = 201, ResponseBody = "{}", CreatedAt = expiredAt,
            }));
            await db.SaveChangesAsync();
        }

        await using var other = new NpgsqlConnection(app.Database.ConnectionString);
        await other.OpenAsync();
        await using var holding = await other.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand("""SELECT 1 FROM "IdempotencyRecords" WHERE "Scope" = 'held' FOR UPDATE""", other, holding))
        {
            await hold.ExecuteScalarAsync();
        }

        // A guard, not a timing assertion: a sweep that waited for the lock would wait as long as the test holds it.
        Assert.Equal(2, await sweep.SweepAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)));
        await holding.CommitAsync();
        Assert.Equal(1, await sweep.SweepAsync(CancellationToken.None));

        await using var check = app.Services.CreateAsyncScope();
        Assert.False(await check.ServiceProvider.GetRequiredService<AppDbContext>().IdempotencyRecords.AnyAsync());
    }
}
