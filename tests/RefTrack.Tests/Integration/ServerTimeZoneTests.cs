using System.Net;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

[CollectionDefinition(nameof(ServerTimeZone), DisableParallelization = true)]
public sealed class ServerTimeZoneCollection : ICollectionFixture<ServerTimeZone>;

/// <summary>The process's local time zone is New York's while the collection runs (.NET reads <c>TZ</c> on Linux), as
/// on a server not kept at UTC. No other test runs meanwhile: the collection is not parallelized.</summary>
public sealed class ServerTimeZone : IDisposable
{
    private readonly string? _tz = Environment.GetEnvironmentVariable("TZ");

    public ServerTimeZone()
    {
        Environment.SetEnvironmentVariable("TZ", "America/New_York");
        TimeZoneInfo.ClearCachedData();
    }

    /// <summary>The process's local time zone while the collection runs.</summary>
    public TimeZoneInfo Local => TimeZoneInfo.Local;

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("TZ", _tz);
        TimeZoneInfo.ClearCachedData();
    }
}

[Collection(nameof(ServerTimeZone))]
public sealed class ServerTimeZoneTestsSqlite(ServerTimeZone zone) : ServerTimeZoneTests(Provider.Sqlite, zone);

[Collection(nameof(ServerTimeZone))]
public sealed class ServerTimeZoneTestsPostgres(ServerTimeZone zone) : ServerTimeZoneTests(Provider.Postgres, zone);

/// <summary>Times are UTC whatever the server's own time zone ("Times are UTC", docs/api.md).</summary>
public abstract class ServerTimeZoneTests(Provider provider, ServerTimeZone zone)
{
    [Fact]
    public async Task An_occurred_at_without_offset_is_utc_and_counts_on_its_utc_day()
    {
        Assert.Equal(TimeSpan.FromHours(-5), zone.Local.GetUtcOffset(new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc)));
        using var app = new TestApp(provider); // the clock: 2026-03-01T12:00Z
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.Register(campaignId, "user-b");

        var recorded = await client.PostOk($"/api/v1/campaigns/{campaignId}/conversions", new
        {
            participantExternalId = "user-b", type = "purchase", amount = 100, currency = "USD", externalId = "o1",
            occurredAt = "2026-02-28T23:30:00",
        });

        Assert.Equal(new DateTime(2026, 2, 28, 23, 30, 0, DateTimeKind.Utc), recorded["occurredAt"]!.GetValue<DateTimeOffset>().UtcDateTime);
        var series = await client.GetOk($"/api/v1/campaigns/{campaignId}/stats/timeseries?days=2");
        Assert.Equal(["2026-02-28 1", "2026-03-01 0"],
            series["days"]!.AsArray().Select(d => $"{d!.Str("day")} {d!["conversions"]!.GetValue<long>()}"));
    }

    /// <summary>An offset is kept exactly, also in the hour that New York's clocks repeat (2025-11-02, 01:00–02:00):
    /// 01:30-04:00 and 01:30-05:00 are an hour apart.</summary>
    [Fact]
    public async Task An_occurred_at_with_an_offset_is_converted_exactly()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.Register(campaignId, "user-b");

        var first = await client.PostOk($"/api/v1/campaigns/{campaignId}/conversions", new
        {
            participantExternalId = "user-b", type = "custom", currency = "USD", externalId = "o1",
            occurredAt = "2025-11-02T01:30:00-04:00",
        });
        var second = await client.PostOk($"/api/v1/campaigns/{campaignId}/conversions", new
        {
            participantExternalId = "user-b", type = "custom", currency = "USD", externalId = "o2",
            occurredAt = "2025-11-02T01:30:00-05:00",
        });

        Assert.Equal(new DateTime(2025, 11, 2, 5, 30, 0, DateTimeKind.Utc), first["occurredAt"]!.GetValue<DateTimeOffset>().UtcDateTime);
        Assert.Equal(new DateTime(2025, 11, 2, 6, 30, 0, DateTimeKind.Utc), second["occurredAt"]!.GetValue<DateTimeOffset>().UtcDateTime);
    }
}

/// <summary>An Idempotency-Key's retry is the same request on a node in another time zone (or after a restart with
/// another <c>TZ</c>): an <c>occurredAt</c> with an offset is bound as the node's local time, and its hash must not
/// depend on which.</summary>
[Collection(nameof(ServerTimeZone))]
public sealed class IdempotencyTimeZoneTests(ServerTimeZone zone)
{
    [Fact]
    public async Task The_same_body_with_an_offset_replays_whatever_the_nodes_time_zone()
    {
        using var app = new TestApp(Provider.Sqlite);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.Register(campaignId, "user-b");
        var url = $"/api/v1/campaigns/{campaignId}/conversions";
        var body = new
        {
            participantExternalId = "user-b", type = "purchase", amount = 100, currency = "USD", externalId = "o1",
            occurredAt = "2026-02-28T10:00:00-05:00",
        };

        Environment.SetEnvironmentVariable("TZ", "UTC");
        TimeZoneInfo.ClearCachedData();
        try
        {
            Assert.Equal(HttpStatusCode.Created, (await client.PostJson(url, body, "k1")).StatusCode);
        }
        finally
        {
            Environment.SetEnvironmentVariable("TZ", "America/New_York");
            TimeZoneInfo.ClearCachedData();
        }

        Assert.Equal(TimeSpan.FromHours(-5), zone.Local.GetUtcOffset(new DateTime(2026, 2, 28, 0, 0, 0, DateTimeKind.Utc)));
        var retry = await client.PostJson(url, body, "k1");
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.True(retry.Headers.Contains("Idempotent-Replayed"), await retry.Content.ReadAsStringAsync());
    }

    /// <summary>A time without an offset is UTC (docs/api.md): its retry spelled with <c>Z</c>, or with an offset of
    /// zero, is the same request, not a 422 (found by review). Hashed as bound, the first had no <c>Z</c>.</summary>
    [Theory]
    [InlineData("2026-02-28T23:30:00Z")]
    [InlineData("2026-02-28T23:30:00+00:00")]
    [InlineData("2026-02-28T23:30:00.0000000")]
    public async Task A_time_without_an_offset_replays_when_its_retry_spells_it_in_utc(string retried)
    {
        using var app = new TestApp(Provider.Sqlite);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.Register(campaignId, "user-b");
        var url = $"/api/v1/campaigns/{campaignId}/conversions";
        object Body(string occurredAt) => new
        {
            participantExternalId = "user-b", type = "purchase", amount = 100, currency = "USD", externalId = "o1",
            occurredAt,
        };

        Assert.Equal(HttpStatusCode.Created, (await client.PostJson(url, Body("2026-02-28T23:30:00"), "k1")).StatusCode);
        var retry = await client.PostJson(url, Body(retried), "k1");

        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.True(retry.Headers.Contains("Idempotent-Replayed"), await retry.Content.ReadAsStringAsync());
    }
}
