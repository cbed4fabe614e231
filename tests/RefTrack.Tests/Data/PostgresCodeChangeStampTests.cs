using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RefTrack.Data;
using RefTrack.Tests.Infrastructure;
using RefTrack.Tests.Integration;

namespace RefTrack.Tests.Data;

/// <summary>
/// Other nodes learn of a disabled code from its <c>CodeChanges</c> row, reading the rows stamped in the last 10 s
/// once a second. The row is stamped before its transaction commits; a commit that came more than 10 s later (a disk
/// or a standby stalling it, a paused node) was behind every node's next read, and they kept redirecting the code for
/// their whole cache time (found by review). A late commit is now stamped again. Here the stamp's insert waits 6 s
/// for a lock the test holds on the table.
/// </summary>
public sealed class PostgresCodeChangeStampTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)] // A vanity code added: nodes that cached its 404 keep it as they keep a disabled code's redirect.
    public async Task A_code_change_committed_late_is_stamped_again_after_its_commit(bool addVanityCode)
    {
        using var app = new TestApp(Provider.Postgres);
        var client = app.Client();
        var campaign = await client.CreateCampaign();
        var code = (await client.Register(campaign, "alice")).Str("referralCode");

        Task<HttpResponseMessage> change;
        await using (await WriteHolds.LockTableAsync(app.Database.ConnectionString, "CodeChanges", "EXCLUSIVE"))
        {
            change = addVanityCode
                ? client.PostAsJsonAsync($"/api/v1/campaigns/{campaign}/participants/alice/codes", new { code = "summer" })
                : client.PostAsync($"/api/v1/campaigns/{campaign}/codes/{code}/disable", null);
            if (addVanityCode)
            {
                code = "SUMMER";
            }

            // Stamped by then: the row's insert waits for the table. (Counted from the request instead, the 6 s lost
            // whatever a busy machine took to reach the insert, and the commit could come too early to be stamped again.)
            await PostgresLockWaits.WaitForAsync(app.Database, 1, "code changes", """INSERT INTO "CodeChanges" """);
            await Task.Delay(TimeSpan.FromSeconds(6));
            Assert.False(change.IsCompleted, "the change's row was written despite the lock");
        }

        Assert.Equal(addVanityCode ? HttpStatusCode.Created : HttpStatusCode.OK, (await change).StatusCode);

        using var scope = app.Services.CreateScope();
        var stamps = await scope.ServiceProvider.GetRequiredService<AppDbContext>().CodeChanges.AsNoTracking()
            .Where(c => c.Code == code).Select(c => c.ChangedAt).ToListAsync();
        Assert.Equal(2, stamps.Count); // Each stamped with the service's clock, the test's, which stands still here.
    }
}
