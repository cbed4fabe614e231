using System.Net;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RefTrack.Data;
using RefTrack.Infrastructure;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

/// <summary><c>Idempotency-Key</c> claims: a key in progress, a claim left by a request that died, a failed request's
/// key, the scope a key is claimed in. (Replays and parallel requests: <see cref="ConversionTests"/>,
/// <see cref="ConcurrencyTests"/>.)</summary>
public sealed class IdempotencyKeyTestsSqlite() : IdempotencyKeyTests(Provider.Sqlite);

public sealed class IdempotencyKeyTestsPostgres() : IdempotencyKeyTests(Provider.Postgres);

public abstract class IdempotencyKeyTests(Provider provider)
{
    private static readonly object Purchase =
        new { participantExternalId = "user-b", type = "purchase", amount = 10000, currency = "USD", externalId = "order-1" };

    private static readonly object OtherPurchase =
        new { participantExternalId = "user-b", type = "purchase", amount = 20000, currency = "USD", externalId = "order-2" };

    /// <summary>A campaign where user-a referred user-b; its conversions URL.</summary>
    private static async Task<(string CampaignId, string Url)> ReferredPair(HttpClient client)
    {
        var campaignId = await client.CreateCampaign();
        await client.AddStandardRules(campaignId);
        var a = await client.Register(campaignId, "user-a");
        await client.Register(campaignId, "user-b", referralCode: a.Str("referralCode"));
        return (campaignId, $"/api/v1/campaigns/{campaignId}/conversions");
    }

    /// <summary>Sends <see cref="Purchase"/> with <paramref name="key"/>, then puts its record back in progress: what
    /// a process leaves behind when it dies after the purchase committed and before it stored its answer (or, to
    /// another request, what a request still running looks like).</summary>
    private static async Task LeaveInProgress(TestApp app, HttpClient client, string url, string key)
    {
        Assert.Equal(HttpStatusCode.Created, (await client.PostJson(url, Purchase, key)).StatusCode);
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var reset = await db.IdempotencyRecords.ExecuteUpdateAsync(s => s
            .SetProperty(r => r.StatusCode, IdempotencyRecord.InProgress)
            .SetProperty(r => r.ResponseBody, "")
            .SetProperty(r => r.Location, (string?)null));
        Assert.Equal(1, reset);
    }

    private static async Task AssertInProgress(HttpResponseMessage response)
    {
        await response.AssertProblem(HttpStatusCode.Conflict, "idempotency-key-in-progress");
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
    }

    /// <summary>A campaign has no id of the client's own to make a retry harmless: with a key, the create sent again
    /// is answered as before and makes nothing; another body with the key is 422; without a key each create is new.</summary>
    [Fact]
    public async Task A_campaign_created_again_with_its_key_is_one_campaign()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var body = new { name = "Spring", destinationUrl = "https://shop.example" };

        var first = await client.PostJson("/api/v1/campaigns", body, "create-spring");
        var again = await client.PostJson("/api/v1/campaigns", body, "create-spring");
        var other = await client.PostJson("/api/v1/campaigns", body with { name = "Summer" }, "create-spring");

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (first.StatusCode, again.StatusCode));
        Assert.Equal((await first.ReadJson()).Str("id"), (await again.ReadJson()).Str("id"));
        Assert.True(again.Headers.Contains(IdempotencyFilter.ReplayedHeader));
        await other.AssertProblem(HttpStatusCode.UnprocessableEntity, "idempotency-key-reused");
        Assert.Single((await client.GetOk("/api/v1/campaigns"))["data"]!.AsArray());
        Assert.Equal(HttpStatusCode.Created, (await client.PostJson("/api/v1/campaigns", body)).StatusCode);
        Assert.Equal(2, (await client.GetOk("/api/v1/campaigns"))["data"]!.AsArray().Count);
    }

    /// <summary>A retry spells its values as the client happens to: padded, a blank optional value, a code in lower
    /// case. Trimmed and read so before anything is stored (api.md, Trimming), they are the same body: the stored
    /// answer again, not a 422 that a retry without the key would not get.</summary>
    [Fact]
    public async Task A_retry_spelling_the_same_values_otherwise_is_replayed()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaign = await client.PostJson("/api/v1/campaigns",
            new { name = " Spring ", destinationUrl = " https://shop.example " }, "create");
        var campaignAgain = await client.PostJson("/api/v1/campaigns",
            new { name = "Spring", destinationUrl = "https://shop.example" }, "create");
        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (campaign.StatusCode, campaignAgain.StatusCode));
        Assert.True(campaignAgain.Headers.Contains(IdempotencyFilter.ReplayedHeader));
        // The destination as it is stored, and the defaults left out or given (found by review: another body each).
        var stored = await client.PostJson("/api/v1/campaigns",
            new { name = "Summer", destinationUrl = "https://Shop.example:443/sale" }, "create-2");
        var storedAgain = await client.PostJson("/api/v1/campaigns", new
        {
            name = "Summer", destinationUrl = "https://shop.example/sale", attributionWindowDays = 30, attributionModel = "firstClick",
        }, "create-2");
        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (stored.StatusCode, storedAgain.StatusCode));
        Assert.True(storedAgain.Headers.Contains(IdempotencyFilter.ReplayedHeader));

        var campaignId = (await campaign.ReadJson()).Str("id");
        var code = (await client.Register(campaignId, "user-a")).Str("referralCode");
        var participants = $"/api/v1/campaigns/{campaignId}/participants";
        var signup = await client.PostJson(participants,
            new { externalId = " user-b ", email = " b@example.org ", name = " ", referralCode = $" {code.ToLowerInvariant()} " }, "signup");
        var signupAgain = await client.PostJson(participants,
            new { externalId = "user-b", email = "b@example.org", referralCode = code }, "signup");
        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (signup.StatusCode, signupAgain.StatusCode));
        Assert.True(signupAgain.Headers.Contains(IdempotencyFilter.ReplayedHeader));
        // A click id is one GUID however it is written (found by review: only trimmed, the upper-case id was another body).
        var clickId = (await app.ClickLink(code)).ClickId;
        var clicked = await client.PostJson(participants,
            new { externalId = "user-c", email = "c@example.org", clickId }, "signup-c");
        var clickedAgain = await client.PostJson(participants,
            new { externalId = "user-c", email = "c@example.org", clickId = "{" + clickId.ToUpperInvariant() + "}" }, "signup-c");
        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (clicked.StatusCode, clickedAgain.StatusCode));
        Assert.True(clickedAgain.Headers.Contains(IdempotencyFilter.ReplayedHeader));

        var conversions = $"/api/v1/campaigns/{campaignId}/conversions";
        var purchase = await client.PostJson(conversions, new
        {
            participantExternalId = " user-b ", type = "purchase", amount = 10000, currency = "USD", externalId = " order-1 ",
        }, "buy");
        var purchaseAgain = await client.PostJson(conversions, Purchase, "buy");
        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (purchase.StatusCode, purchaseAgain.StatusCode));
        Assert.True(purchaseAgain.Headers.Contains(IdempotencyFilter.ReplayedHeader));
        // A custom conversion's amount left out is 0, as it is stored (found by review: 0 sent was another body).
        var custom = await client.PostJson(conversions,
            new { participantExternalId = "user-b", type = "custom", currency = "USD", externalId = "event-1" }, "event");
        var customAgain = await client.PostJson(conversions,
            new { participantExternalId = "user-b", type = "custom", amount = 0, currency = "USD", externalId = "event-1" }, "event");
        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (custom.StatusCode, customAgain.StatusCode));
        Assert.True(customAgain.Headers.Contains(IdempotencyFilter.ReplayedHeader));

        // Another value is still another body.
        await (await client.PostJson(conversions, OtherPurchase, "buy"))
            .AssertProblem(HttpStatusCode.UnprocessableEntity, "idempotency-key-reused");
    }

    /// <summary>The key is claimed before the handler validates: a retry whose padding hid a value the handler refuses
    /// (a line break in an id, an id over its length, which counts before trimming) is another body, 422, not the
    /// accepted request's answer replayed as if it were the same (without the key it is a 400).</summary>
    [Theory]
    [InlineData("order-1\n")]
    [InlineData(" order-1")]
    public async Task A_retry_with_a_value_the_handler_refuses_is_refused_not_replayed(string suffixed)
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var (_, url) = await ReferredPair(client);
        Assert.Equal(HttpStatusCode.Created, (await client.PostJson(url, Purchase, "buy")).StatusCode);
        // " order-1" padded to one past the limit: 400 on its length without a key.
        var externalId = suffixed.StartsWith(' ') ? new string(' ', 200 - "order-1".Length) + suffixed : suffixed;

        var retry = await client.PostJson(url, new
        {
            participantExternalId = "user-b", type = "purchase", amount = 10000, currency = "USD", externalId,
        }, "buy");

        await retry.AssertProblem(HttpStatusCode.UnprocessableEntity, "idempotency-key-reused");
        var problem = await (await client.PostJson(url, new
        {
            participantExternalId = "user-b", type = "purchase", amount = 10000, currency = "USD", externalId,
        })).AssertProblem(HttpStatusCode.BadRequest, "validation");
        Assert.Equal(["externalId"], FlowHelpers.ErrorFields(problem));
    }

    /// <summary>A key claimed by a version that hashed bodies as bound (an old node in a rolling upgrade, or a claim
    /// from before the upgrade) still replays its retry sent byte for byte the same.</summary>
    [Fact]
    public async Task A_key_stored_with_the_body_hashed_as_bound_replays_the_same_body()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var (_, url) = await ReferredPair(client);
        var padded = new { participantExternalId = " user-b ", type = "purchase", amount = 10000, currency = "USD", externalId = " order-1 " };
        Assert.Equal(HttpStatusCode.Created, (await client.PostJson(url, padded, "buy")).StatusCode);
        var json = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>()
            .Value.SerializerOptions;
        var asBound = new Conversions.RecordConversionRequest("purchase", "USD", " order-1 ", " user-b ", Amount: 10000);
        var oldHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(asBound, json)));
        using (var scope = app.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            Assert.Equal(1, await db.IdempotencyRecords.ExecuteUpdateAsync(s => s.SetProperty(r => r.RequestHash, oldHash)));
        }

        var retry = await client.PostJson(url, padded, "buy");

        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.True(retry.Headers.Contains(IdempotencyFilter.ReplayedHeader));
    }

    /// <summary>Two <c>Idempotency-Key</c> lines were read as one key joined with a comma, a key the client never sent:
    /// a retry with either line ran the request again.</summary>
    [Fact]
    public async Task Two_key_headers_are_a_400_and_change_nothing()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var (_, url) = await ReferredPair(client);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = System.Net.Http.Json.JsonContent.Create(Purchase) };
        request.Headers.Add(IdempotencyFilter.Header, ["key-1", "key-2"]);

        var response = await client.SendAsync(request);

        var problem = await response.AssertProblem(HttpStatusCode.BadRequest, "validation");
        Assert.Equal([IdempotencyFilter.Header], FlowHelpers.ErrorFields(problem));
        Assert.Empty((await client.GetOk(url))["data"]!.AsArray());
    }

    [Fact]
    public async Task A_key_in_progress_is_409_for_the_same_body_and_422_for_another()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var (campaignId, url) = await ReferredPair(client);
        await LeaveInProgress(app, client, url, "pay-1");

        await AssertInProgress(await client.PostJson(url, Purchase, "pay-1"));
        await (await client.PostJson(url, OtherPurchase, "pay-1"))
            .AssertProblem(HttpStatusCode.UnprocessableEntity, "idempotency-key-reused");

        // Just short of the bound the claim still holds.
        app.Clock.Advance(IdempotencyClaims.StaleAfter - TimeSpan.FromSeconds(1));
        await AssertInProgress(await client.PostJson(url, Purchase, "pay-1"));
        Assert.Single(await client.Conversions(campaignId));
    }

    [Fact]
    public async Task A_stale_claim_is_taken_over_by_a_retry_with_the_same_body()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var (campaignId, url) = await ReferredPair(client);
        await LeaveInProgress(app, client, url, "pay-1");
        app.Clock.Advance(IdempotencyClaims.StaleAfter + TimeSpan.FromSeconds(1));

        // A different body never takes a key over.
        await (await client.PostJson(url, OtherPurchase, "pay-1"))
            .AssertProblem(HttpStatusCode.UnprocessableEntity, "idempotency-key-reused");

        // The retry runs: the purchase its dead predecessor committed answers as a replay of its externalId (200), and
        // that answer is stored for the key.
        var retry = await client.PostJson(url, Purchase, "pay-1");
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.False(retry.Headers.Contains("Idempotent-Replayed"));
        var again = await client.PostJson(url, Purchase, "pay-1");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal((await retry.ReadJson()).Str("id"), (await again.ReadJson()).Str("id"));

        var conversion = Assert.Single(await client.Conversions(campaignId));
        Assert.Single(conversion["rewards"]!.AsArray());
    }

    /// <summary>A campaign create still running a minute after its claim (its write held here, as a rollup rebuild holds
    /// SQLite's writes) is overtaken by a retry that takes the claim over as stale. Both ran and made two campaigns
    /// (found by review): a campaign has no id of the client's own to make the second run a replay. Its create stores
    /// its answer in its own transaction now, so exactly one runs to the end.</summary>
    [Fact]
    public async Task A_campaign_create_overtaken_while_it_runs_makes_one_campaign()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var body = new { name = "Spring", destinationUrl = "https://shop.example" };
        Task<HttpResponseMessage> first, retry;
        await using (await WriteHolds.HoldAsync(app, "Campaigns", "SHARE"))
        {
            first = client.PostJson("/api/v1/campaigns", body, "create");
            // Its claim stamped. On PostgreSQL the claim is in and the campaign's insert waits; on SQLite the claim's
            // insert waits too (the group commit takes the same write gate), stamped before it queued.
            if (provider == Provider.Postgres)
            {
                await PostgresLockWaits.WaitForAsync(app.Database, 1, "campaign inserts", """INSERT INTO "Campaigns" """);
            }
            else
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
            }

            app.Clock.Advance(IdempotencyClaims.StaleAfter + TimeSpan.FromSeconds(1));
            retry = client.PostJson("/api/v1/campaigns", body, "create");
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        var answers = new[] { await first, await retry };
        Assert.Single((await client.GetOk("/api/v1/campaigns"))["data"]!.AsArray());
        // One made it; the other replayed its answer, or was told that the key is in use (if overtaken before writing).
        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Created && !a.Headers.Contains(IdempotencyFilter.ReplayedHeader));
        var again = await client.PostJson("/api/v1/campaigns", body, "create");
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.True(again.Headers.Contains(IdempotencyFilter.ReplayedHeader));
    }

    [Fact]
    public async Task Parallel_retries_take_a_stale_claim_over_once()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var (campaignId, url) = await ReferredPair(client);
        await LeaveInProgress(app, client, url, "pay-1");
        app.Clock.Advance(IdempotencyClaims.StaleAfter + TimeSpan.FromSeconds(1));

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => client.PostJson(url, Purchase, "pay-1"))));

        // One retry takes the claim over and runs; each other one finds it taken (409) or answered (a replay).
        var ran = Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK && !r.Headers.Contains("Idempotent-Replayed"));
        foreach (var other in responses.Where(r => r != ran))
        {
            if (other.StatusCode == HttpStatusCode.Conflict)
            {
                await AssertInProgress(other);
            }
            else
            {
                Assert.Equal(HttpStatusCode.OK, other.StatusCode);
                Assert.Equal("true", other.Headers.GetValues("Idempotent-Replayed").Single());
            }
        }

        Assert.Single(await client.Conversions(campaignId));
    }

    [Fact]
    public async Task A_failed_request_frees_its_key_for_a_retry()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var (campaignId, url) = await ReferredPair(client);
        var purchase = new { participantExternalId = "user-c", type = "purchase", amount = 10000, currency = "USD", externalId = "order-1" };

        await (await client.PostJson(url, purchase, "pay-c")).AssertProblem(HttpStatusCode.UnprocessableEntity, "unknown-participant");
        await client.Register(campaignId, "user-c");

        var retry = await client.PostJson(url, purchase, "pay-c");
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.False(retry.Headers.Contains("Idempotent-Replayed"));
        Assert.Single(await client.Conversions(campaignId));
    }

    /// <summary>Past the retention a key is forgotten, whether or not a sweep has deleted its record yet: a request
    /// with it runs as new, another body too (not 422), and its answer is what the key replays from then on.</summary>
    [Fact]
    public async Task A_key_past_the_retention_runs_as_new()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var (campaignId, url) = await ReferredPair(client);
        var retention = new IdempotencyOptions().Retention;
        Assert.Equal(TimeSpan.FromHours(24), retention);
        var first = await client.PostJson(url, Purchase, "pay-1");
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);

        // Just short of the retention the key still replays.
        app.Clock.Advance(retention - TimeSpan.FromSeconds(1));
        var replay = await client.PostJson(url, Purchase, "pay-1");
        Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());

        app.Clock.Advance(TimeSpan.FromSeconds(2));
        var fresh = await client.PostJson(url, OtherPurchase, "pay-1");
        Assert.Equal(HttpStatusCode.Created, fresh.StatusCode);
        Assert.False(fresh.Headers.Contains("Idempotent-Replayed"));
        var again = await client.PostJson(url, OtherPurchase, "pay-1");
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal((await fresh.ReadJson()).Str("id"), (await again.ReadJson()).Str("id"));
        await (await client.PostJson(url, Purchase, "pay-1"))
            .AssertProblem(HttpStatusCode.UnprocessableEntity, "idempotency-key-reused");
        Assert.Equal(2, (await client.Conversions(campaignId)).Count);
    }

    /// <summary>The sweep deletes what is older than the retention, in as many batches as it takes, answers and claims
    /// a dead process left alike; it keeps newer answers and claims in progress (stale ones too, which a retry may still
    /// take over). A key it deleted runs as new.</summary>
    [Fact]
    public async Task The_sweep_deletes_records_past_the_retention_and_keeps_newer_ones_and_claims_in_progress()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var (campaignId, url) = await ReferredPair(client);
        Assert.Equal(HttpStatusCode.Created, (await client.PostJson(url, Purchase, "pay-1")).StatusCode);
        app.Clock.Advance(TimeSpan.FromHours(30));
        var now = app.Clock.GetUtcNow().UtcDateTime;
        var retention = new IdempotencyOptions().Retention;

        static IdempotencyRecord Record(string scope, DateTime createdAt, bool answered) => new()
        {
            Scope = scope, RequestHash = "hash", CreatedAt = createdAt,
            StatusCode = answered ? 201 : IdempotencyRecord.InProgress, ResponseBody = answered ? "{}" : "",
        };

        var expired = Enumerable.Range(0, 2 * IdempotencySweep.BatchRows)
            .Select(i => Record($"expired-{i}", now - retention - TimeSpan.FromMinutes(1 + i % 50), answered: true))
            .Append(Record("abandoned-claim", now - retention - TimeSpan.FromSeconds(1), answered: false));
        var kept = new[]
        {
            Record("answer-at-the-retention", now - retention, answered: true),
            Record("newer-answer", now - TimeSpan.FromHours(1), answered: true),
            Record("stale-claim", now - IdempotencyClaims.StaleAfter - TimeSpan.FromSeconds(1), answered: false),
            Record("claim-in-progress", now, answered: false),
        };
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            db.IdempotencyRecords.AddRange(expired.Concat(kept));
            await db.SaveChangesAsync();
        }

        var deleted = await app.Services.GetRequiredService<IdempotencySweep>().SweepAsync(CancellationToken.None);

        Assert.Equal(2 * IdempotencySweep.BatchRows + 2, deleted); // pay-1's answer, 30 hours old, too.
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var left = await db.IdempotencyRecords.Select(r => r.Scope).ToListAsync();
            Assert.Equal(kept.Select(r => r.Scope).Order(StringComparer.Ordinal), left.Order(StringComparer.Ordinal));
        }

        var retry = await client.PostJson(url, OtherPurchase, "pay-1");
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.False(retry.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(2, (await client.Conversions(campaignId)).Count);
    }

    /// <summary>The usual URL of a campaign's conversions: lower-case D-form id, no trailing slash.</summary>
    private static string ConversionsUrl(string campaignId) => $"/api/v1/campaigns/{campaignId}/conversions";

    /// <summary>The campaign id route segment written in other forms <see cref="Guid.TryParse(string?, out Guid)"/>
    /// (the <c>guid</c> route constraint) accepts, and the URL around it in other forms routing accepts.</summary>
    public static TheoryData<string> OtherWaysToWriteTheUrl() =>
    [
        "upper-case id", "X-form id", "padded id", "trailing slash", "upper-case path",
    ];

    private static string Written(string way, string campaignId)
    {
        var id = Guid.Parse(campaignId);
        return way switch
        {
            "upper-case id" => ConversionsUrl(campaignId.ToUpperInvariant()),
            "X-form id" => ConversionsUrl(Uri.EscapeDataString(id.ToString("X"))),
            "padded id" => ConversionsUrl(Uri.EscapeDataString(new string(' ', 120) + campaignId + "  ")),
            "trailing slash" => ConversionsUrl(campaignId) + "/",
            "upper-case path" => ConversionsUrl(campaignId).ToUpperInvariant(),
            _ => throw new ArgumentOutOfRangeException(nameof(way)),
        };
    }

    /// <summary>The scope is built from the route, not the raw path: a campaign id written another way (padded with
    /// 120 spaces, the longest a 200-character key once overflowed the 400-character scope column with: a 500 on
    /// PostgreSQL) is the same endpoint and campaign, so the same key and body are a replay there.</summary>
    [Theory]
    [MemberData(nameof(OtherWaysToWriteTheUrl))]
    public async Task A_longest_key_on_a_url_written_another_way_is_stored_and_replayed_on_the_usual_url(string way)
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var (campaignId, url) = await ReferredPair(client);
        var key = new string('k', IdempotencyFilter.MaxKeyLength);

        var first = await client.PostJson(Written(way, campaignId), Purchase, key);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var again = await client.PostJson(url, Purchase, key);

        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(first.Headers.Location, again.Headers.Location);
        Assert.Equal((await first.ReadJson()).Str("id"), (await again.ReadJson()).Str("id"));
        Assert.Single(await client.Conversions(campaignId));
    }

    [Theory]
    [MemberData(nameof(OtherWaysToWriteTheUrl))]
    public async Task A_retry_on_a_url_written_another_way_is_replayed(string way)
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var (campaignId, url) = await ReferredPair(client);

        Assert.Equal(HttpStatusCode.Created, (await client.PostJson(url, Purchase, "pay-1")).StatusCode);
        var again = await client.PostJson(Written(way, campaignId), Purchase, "pay-1");

        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
    }

    /// <summary>Records stored before the scope was built from the route must still be found: for a URL written the
    /// usual way the scope is, character for character, what it was when it was the raw path.</summary>
    [Fact]
    public async Task A_request_on_the_usual_url_keeps_the_scope_it_had_when_the_scope_was_the_raw_path()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var (campaignId, url) = await ReferredPair(client);
        var participantsUrl = $"/api/v1/campaigns/{campaignId}/participants";

        Assert.Equal(HttpStatusCode.Created, (await client.PostJson(url, Purchase, "pay-1")).StatusCode);
        Assert.Equal(HttpStatusCode.Created,
            (await client.PostJson(participantsUrl, new { externalId = "user-c", email = "user-c@example.org", name = "user-c" }, "join-c")).StatusCode);

        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var keyId = (await db.ApiKeys.SingleAsync()).Id;
        var scopes = await db.IdempotencyRecords.Select(r => r.Scope).OrderBy(s => s).ToListAsync();
        // The form before: $"{keyId:N}|{Request.Method} {Request.Path}|{key}".
        Assert.Equal(
            new[] { $"{keyId:N}|POST {url}|pay-1", $"{keyId:N}|POST {participantsUrl}|join-c" }.Order(StringComparer.Ordinal),
            scopes.Order(StringComparer.Ordinal));
    }

    /// <summary>No scope can overflow its column: every endpoint that takes a key (both of them, so this checks
    /// something) gives at most <see cref="IdempotencyScope.MaxLength"/> characters with the longest key.</summary>
    [Fact]
    public void Every_idempotent_endpoint_has_its_longest_scope_within_the_column()
    {
        using var app = new TestApp(provider);
        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IdempotentEndpoint>() is not null)
            .ToList();

        Assert.Equal(3, endpoints.Count);
        Assert.All(endpoints, e => Assert.InRange(IdempotencyScope.LongestFor(e), 0, IdempotencyScope.MaxLength));
    }
}
