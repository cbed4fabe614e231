using System.Net;
using System.Net.Http.Json;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

/// <summary>Bad input is a 400 validation problem naming the fields, and changes nothing.</summary>
public sealed class ValidationTestsSqlite() : ValidationTests(Provider.Sqlite);

public sealed class ValidationTestsPostgres() : ValidationTests(Provider.Postgres);

public abstract class ValidationTests(Provider provider)
{
    private static async Task AssertInvalid(HttpResponseMessage response, params string[] fields)
    {
        var problem = await response.AssertProblem(HttpStatusCode.BadRequest, "validation");
        Assert.Equal(fields.Order(StringComparer.Ordinal).ToList(), FlowHelpers.ErrorFields(problem));
        foreach (var field in fields)
        {
            Assert.NotEmpty(problem["errors"]![field]!.AsArray());
        }
    }

    [Theory]
    [InlineData("""{"name":"","destinationUrl":"https://shop.example"}""", "name")]
    [InlineData("""{"name":"Spring"}""", "destinationUrl")]
    [InlineData("""{"name":"Spring","destinationUrl":"javascript:alert(1)"}""", "destinationUrl")]
    [InlineData("""{"name":"Spring","destinationUrl":"/relative/path"}""", "destinationUrl")]
    [InlineData("""{"name":"Spring","destinationUrl":"ftp://shop.example/"}""", "destinationUrl")]
    [InlineData("""{"name":"Spring","destinationUrl":"https://user:pw@shop.example/"}""", "destinationUrl")]
    [InlineData("""{"name":"Spring","destinationUrl":"https://shop.example/#frag"}""", "destinationUrl")]
    [InlineData("""{"name":"Spring","destinationUrl":"https://shop.example","attributionWindowDays":0}""", "attributionWindowDays")]
    [InlineData("""{"name":"Spring","destinationUrl":"https://shop.example","attributionWindowDays":366}""", "attributionWindowDays")]
    [InlineData("""{"name":"Spring","destinationUrl":"https://shop.example","attributionModel":"middleClick"}""", "attributionModel")]
    [InlineData("""{"name":"Spring","destinationUrl":"https://shop.example","attributionModel":"FirstClick"}""", "attributionModel")]
    [InlineData("""{}""", "name", "destinationUrl")]
    // PostgreSQL cannot store NUL in text: refused on both providers, rather than a 500 on one of them.
    [InlineData("""{"name":"Spr\u0000ing","destinationUrl":"https://shop.example"}""", "name")]
    [InlineData("""{"name":"Spring","destinationUrl":"https://shop.example/a\u0000b"}""", "destinationUrl")]
    [InlineData("""{"name":"Spring","destinationUrl":"https://shop.example/a\tb"}""", "destinationUrl")]
    public async Task Invalid_campaign_is_rejected_and_not_created(string json, params string[] fields)
    {
        using var app = new TestApp(provider);
        var client = app.Client();

        await AssertInvalid(await client.PostRaw("/api/v1/campaigns", json), fields);

        Assert.Empty((await client.GetOk("/api/v1/campaigns"))["data"]!.AsArray());
    }

    [Theory]
    [InlineData("""{"trigger":"signup","recipient":"referrer","currency":"USD"}""", "amount")]
    [InlineData("""{"trigger":"signup","recipient":"referrer","amount":100,"percentBasisPoints":100,"currency":"USD"}""", "amount")]
    [InlineData("""{"trigger":"signup","recipient":"referrer","amount":0,"currency":"USD"}""", "amount")]
    [InlineData("""{"trigger":"signup","recipient":"referrer","amount":-5,"currency":"USD"}""", "amount")]
    [InlineData("""{"trigger":"signup","recipient":"referrer","amount":100,"currency":"usd"}""", "currency")]
    [InlineData("""{"trigger":"signup","recipient":"referrer","amount":100}""", "currency")]
    [InlineData("""{"trigger":"refund","recipient":"referrer","amount":100,"currency":"USD"}""", "trigger")]
    [InlineData("""{"trigger":"signup","recipient":"friend","amount":100,"currency":"USD"}""", "recipient")]
    [InlineData("""{"trigger":"signup","recipient":"referrer","percentBasisPoints":1000,"currency":"USD"}""", "percentBasisPoints")]
    [InlineData("""{"trigger":"purchase","recipient":"referrer","percentBasisPoints":10001,"currency":"USD"}""", "percentBasisPoints")]
    [InlineData("""{"trigger":"signup","recipient":"referrer","amount":100,"currency":"USD","firstPurchaseOnly":true}""", "firstPurchaseOnly")]
    [InlineData("""{"trigger":"milestone","recipient":"referrer","amount":100,"currency":"USD"}""", "referralCount")]
    [InlineData("""{"trigger":"signup","recipient":"referrer","amount":100,"currency":"USD","referralCount":3}""", "referralCount")]
    [InlineData("""{"trigger":"milestone","recipient":"referee","amount":100,"currency":"USD","referralCount":3}""", "recipient")]
    [InlineData("""{"trigger":"purchase","recipient":"referrer","amount":100,"currency":"USD","minReferrals":0}""", "minReferrals")]
    [InlineData("""{"trigger":"signup\u0000","recipient":"referrer","amount":100,"currency":"USD"}""", "trigger")]
    [InlineData("""{"trigger":"signup","recipient":"referrer","amount":100,"currency":"US\u0000"}""", "currency")]
    public async Task Invalid_reward_rule_is_rejected_and_not_created(string json, params string[] fields)
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();

        await AssertInvalid(await client.PostRaw($"/api/v1/campaigns/{campaignId}/reward-rules", json), fields);

        Assert.Empty((await client.GetOk($"/api/v1/campaigns/{campaignId}/reward-rules"))["data"]!.AsArray());
    }

    [Theory]
    [InlineData("""{"email":"b@example.org"}""", "externalId")]
    [InlineData("""{"externalId":"  ","email":"b@example.org"}""", "externalId")]
    [InlineData("""{"externalId":"user-b"}""", "email")]
    [InlineData("""{"externalId":"user-b","email":"not-an-email"}""", "email")]
    [InlineData("""{"externalId":"user-b","email":"@example.org"}""", "email")]
    [InlineData("""{"externalId":"user-b","email":"b@"}""", "email")]
    [InlineData("""{"externalId":"user-b","email":"b@bücher..example"}""", "email")]
    [InlineData("""{"externalId":"user-b","email":"b@example..org"}""", "email")]
    [InlineData("""{"externalId":"user-b","email":"b@example.org.."}""", "email")]
    [InlineData("""{"externalId":"user-b","email":"b@.example.org"}""", "email")]
    [InlineData("""{}""", "externalId", "email")]
    [InlineData("""{"externalId":"x\u0000y","email":"b@example.org"}""", "externalId")]
    [InlineData("""{"externalId":"x\u0007y","email":"b@example.org"}""", "externalId")]
    [InlineData("""{"externalId":"user-b\n","email":"b@example.org"}""", "externalId")]
    [InlineData("""{"externalId":"team/42","email":"b@example.org"}""", "externalId")]
    [InlineData("""{"externalId":"..","email":"b@example.org"}""", "externalId")]
    [InlineData("""{"externalId":" . ","email":"b@example.org"}""", "externalId")]
    [InlineData("""{"externalId":"user-b","email":"b\u0000@example.org"}""", "email")]
    [InlineData("""{"externalId":"user-b","email":"b@example.org\r"}""", "email")]
    [InlineData("""{"externalId":"user-b","email":"b@example.org","name":"B\u0000"}""", "name")]
    [InlineData("""{"externalId":"user-b","email":"b@example.org","referralCode":"ABC\u0000"}""", "referralCode")]
    [InlineData("""{"externalId":"user-b","email":"b@example.org","referralCode":"AB\u001fC"}""", "referralCode")]
    [InlineData("""{"externalId":"user-b","email":"b@example.org","clickId":"\u0000"}""", "clickId")]
    public async Task Invalid_participant_is_rejected_and_not_created(string json, params string[] fields)
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();

        await AssertInvalid(await client.PostRaw($"/api/v1/campaigns/{campaignId}/participants", json), fields);

        Assert.Empty(await client.Participants(campaignId));
    }

    [Fact]
    public async Task An_address_too_long_for_its_column_in_ascii_form_is_rejected_not_a_server_error()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        // 320 characters as sent (the longest accepted); its domain's ASCII form makes it longer.
        var email = new string('a', 299) + "@bücherbücher.example";

        await AssertInvalid(await client.PostRaw($"/api/v1/campaigns/{campaignId}/participants",
            $$"""{"externalId":"user-b","email":"{{email}}"}"""), "email");

        Assert.Empty(await client.Participants(campaignId));
    }

    [Fact]
    public async Task Overlong_participant_fields_are_rejected()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();

        var response = await client.PostAsJsonAsync($"/api/v1/campaigns/{campaignId}/participants", new
        {
            externalId = new string('x', 201), email = "b@example.org", name = new string('n', 201),
            referralCode = new string('C', 65), clickId = new string('1', 65),
        });

        await AssertInvalid(response, "externalId", "name", "referralCode", "clickId");
        Assert.Empty(await client.Participants(campaignId));
    }

    [Theory]
    [InlineData("""{"type":"purchase","amount":100,"currency":"USD","externalId":"o1"}""", "participantExternalId")]
    [InlineData("""{"participantExternalId":"user-a","participantId":"00000000-0000-0000-0000-000000000001","type":"purchase","amount":100,"currency":"USD","externalId":"o1"}""", "participantExternalId")]
    [InlineData("""{"participantExternalId":"user-a","type":"refund","amount":100,"currency":"USD","externalId":"o1"}""", "type")]
    [InlineData("""{"participantExternalId":"user-a","amount":100,"currency":"USD","externalId":"o1"}""", "type")]
    [InlineData("""{"participantExternalId":"user-a","type":"purchase","currency":"USD","externalId":"o1"}""", "amount")]
    // A type missing or unknown is the error, not the amount a type it does not have would require.
    [InlineData("""{"participantExternalId":"user-a","type":"Custom","currency":"USD","externalId":"o1"}""", "type")]
    [InlineData("""{"participantExternalId":"user-a","currency":"USD","externalId":"o1"}""", "type")]
    [InlineData("""{"participantExternalId":"user-a","type":"purchase","amount":-1,"currency":"USD","externalId":"o1"}""", "amount")]
    [InlineData("""{"participantExternalId":"user-a","type":"purchase","amount":100,"currency":"US","externalId":"o1"}""", "currency")]
    [InlineData("""{"participantExternalId":"user-a","type":"purchase","amount":100,"currency":"USD"}""", "externalId")]
    [InlineData("""{"participantExternalId":"user-a","type":"purchase","amount":100,"currency":"USD","externalId":""}""", "externalId")]
    [InlineData("""{"participantExternalId":"","type":"purchase","amount":100,"currency":"USD","externalId":"o1"}""", "participantExternalId")]
    [InlineData("""{"participantExternalId":"  ","type":"purchase","amount":100,"currency":"USD","externalId":"o1"}""", "participantExternalId")]
    [InlineData("""{"participantExternalId":"user-a\u0000","type":"purchase","amount":100,"currency":"USD","externalId":"o1"}""", "participantExternalId")]
    [InlineData("""{"participantExternalId":"user-a","type":"purchase","amount":100,"currency":"USD","externalId":"o\u00001"}""", "externalId")]
    [InlineData("""{"participantExternalId":"user-a","type":"purchase","amount":100,"currency":"USD","externalId":"o1\u0085"}""", "externalId")]
    [InlineData("""{"participantExternalId":"user-a","type":"purchase\u0000","amount":100,"currency":"USD","externalId":"o1"}""", "type")]
    [InlineData("""{"participantExternalId":"user-a","type":"purchase","amount":100,"currency":"USD\u0000","externalId":"o1"}""", "currency")]
    // occurredAt: from 2000-01-01 to one day after now (the test clock: 2026-03-01T12:00Z).
    [InlineData("""{"participantExternalId":"user-a","type":"purchase","amount":100,"currency":"USD","externalId":"o1","occurredAt":"0001-01-01T00:00:00Z"}""", "occurredAt")]
    [InlineData("""{"participantExternalId":"user-a","type":"purchase","amount":100,"currency":"USD","externalId":"o1","occurredAt":"1999-12-31T23:59:59Z"}""", "occurredAt")]
    [InlineData("""{"participantExternalId":"user-a","type":"purchase","amount":100,"currency":"USD","externalId":"o1","occurredAt":"2026-03-02T12:00:01Z"}""", "occurredAt")]
    [InlineData("""{"participantExternalId":"user-a","type":"purchase","amount":100,"currency":"USD","externalId":"o1","occurredAt":"9999-12-31T23:59:59Z"}""", "occurredAt")]
    public async Task Invalid_conversion_is_rejected_and_not_recorded(string json, params string[] fields)
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.AddRule(campaignId, new { trigger = "purchase", recipient = "referrer", percentBasisPoints = 1000, currency = "USD" });
        var a = await client.Register(campaignId, "user-z");
        await client.Register(campaignId, "user-a", referralCode: a.Str("referralCode"));

        await AssertInvalid(await client.PostRaw($"/api/v1/campaigns/{campaignId}/conversions", json), fields);

        Assert.Empty(await client.Conversions(campaignId));
        Assert.Empty(await client.Rewards(campaignId));
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("has space")]
    [InlineData("bad!char")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456")] // 33 characters.
    public async Task Invalid_vanity_code_is_rejected(string code)
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        await client.Register(campaignId, "user-a");

        await AssertInvalid(await client.PostAsJsonAsync($"/api/v1/campaigns/{campaignId}/participants/user-a/codes", new { code }), "code");
        await (await client.GetAsync($"/api/v1/campaigns/{campaignId}/codes/{Uri.EscapeDataString(code)}")).AssertProblem(HttpStatusCode.NotFound, "not-found");
    }

    [Theory]
    [InlineData("""{"name":""}""", "name")]
    [InlineData("""{"name":"shop\u0000"}""", "name")]
    public async Task Invalid_api_key_is_rejected_and_not_created(string json, string field)
    {
        using var app = new TestApp(provider);
        var client = app.Client();

        await AssertInvalid(await client.PostRaw("/api/v1/api-keys", json), field);

        Assert.Single((await client.GetOk("/api/v1/api-keys"))["data"]!.AsArray());
    }

    [Fact]
    public async Task Control_characters_in_idempotency_key_are_rejected()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/campaigns/{campaignId}/participants")
        {
            Content = JsonContent.Create(new { externalId = "user-a", email = "a@example.org" }),
        };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", "key\u0000");

        await AssertInvalid(await client.SendAsync(request), "Idempotency-Key");
        Assert.Empty(await client.Participants(campaignId));
    }

    /// <summary>Runs as in production: in Development, minimal APIs throw on bad requests (see the skipped test below).</summary>
    [Theory]
    [InlineData("/api/v1/campaigns")]
    [InlineData("/api/v1/campaigns/{id}/participants")]
    [InlineData("/api/v1/campaigns/{id}/reward-rules")]
    [InlineData("/api/v1/campaigns/{id}/conversions")]
    [InlineData("/api/v1/api-keys")]
    public async Task Malformed_json_is_a_400_problem_and_changes_nothing(string url)
    {
        using var app = new TestApp(provider, new Dictionary<string, string?> { ["environment"] = "Production" });
        var client = app.Client();
        var campaignId = await client.CreateCampaign();
        url = url.Replace("{id}", campaignId, StringComparison.Ordinal);

        var response = await client.PostRaw(url, """{"name": "Spring", "destinationUrl": """);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Single((await client.GetOk("/api/v1/campaigns"))["data"]!.AsArray());
        Assert.Empty(await client.Participants(campaignId));
        Assert.Empty((await client.GetOk($"/api/v1/campaigns/{campaignId}/reward-rules"))["data"]!.AsArray());
        Assert.Single((await client.GetOk("/api/v1/api-keys"))["data"]!.AsArray());
    }

    /// <summary>A value of the wrong type or format is an error on its field (docs/api.md, What input is refused); only
    /// text that is not JSON is the body's. Every such value had been blamed on the body: System.Text.Json wraps the
    /// converter's own failure too, and only its reader's failure means the text is not JSON (found by review).</summary>
    [Theory]
    [InlineData("/api/v1/campaigns", """{"name": "Spring", "destinationUrl": """, "body")]
    [InlineData("/api/v1/campaigns", """{"name": "Spring", "destinationUrl": "https://shop.example", "attributionWindowDays": "thirty"}""", "attributionWindowDays")]
    [InlineData("/api/v1/campaigns/{id}/conversions", """{"participantExternalId":"a","type":"purchase","amount":"12.50","currency":"USD","externalId":"o1"}""", "amount")]
    [InlineData("/api/v1/campaigns/{id}/conversions", """{"participantExternalId":"a","type":"purchase","amount":"4999","currency":"USD","externalId":"o1"}""", "amount")]
    [InlineData("/api/v1/campaigns/{id}/conversions", """{"participantExternalId":"a","type":"purchase","amount":12.5,"currency":"USD","externalId":"o1"}""", "amount")]
    [InlineData("/api/v1/campaigns/{id}/conversions", """{"participantExternalId":"a","type":"purchase","amount":1e20,"currency":"USD","externalId":"o1"}""", "amount")]
    [InlineData("/api/v1/campaigns/{id}/conversions", """{"participantId":"nope","type":"purchase","amount":1,"currency":"USD","externalId":"o1"}""", "participantId")]
    [InlineData("/api/v1/campaigns/{id}/conversions", """{"participantExternalId":"a","type":"purchase","amount":1,"currency":"USD","externalId":"o1","occurredAt":"yesterday"}""", "occurredAt")]
    [InlineData("/api/v1/campaigns", """{"name": "Spring", "destinationUrl": "https://shop.example", "attributionWindowDays": "30"}""", "attributionWindowDays")]
    [InlineData("/api/v1/campaigns", """{"name": "Spring", "destinationUrl": "https://shop.example", "attributionWindowDays": 99999999999}""", "attributionWindowDays")]
    [InlineData("/api/v1/campaigns", """{"name": 42, "destinationUrl": "https://shop.example"}""", "name")]
    [InlineData("/api/v1/api-keys", """{"name": "ci", "admin": "yes"}""", "admin")]
    public async Task Unreadable_body_is_a_reftrack_validation_problem(string url, string json, string field)
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();

        var response = await client.PostRaw(url.Replace("{id}", campaignId, StringComparison.Ordinal), json);

        var problem = await response.AssertProblem(HttpStatusCode.BadRequest, "validation");
        Assert.Equal([field], problem["errors"]!.AsObject().Select(e => e.Key));
    }

    /// <summary>JSON that is not an object is said to be so, not "not valid JSON" as text that is not JSON is; and
    /// text that is not JSON is the body's fault, not that of the field it stopped in.</summary>
    [Theory]
    [InlineData("[]", "The request body must be a JSON object.")]
    [InlineData("\"Spring\"", "The request body must be a JSON object.")]
    [InlineData("42", "The request body must be a JSON object.")]
    [InlineData("{\"name\": ", "The request body is not valid JSON.")]
    [InlineData("name=Spring", "The request body is not valid JSON.")]
    [InlineData("{\"name\": \"Spring\", \"attributionWindowDays\": 3x}", "The request body is not valid JSON.")]
    public async Task A_body_that_is_no_object_is_told_apart_from_one_that_is_no_json(string json, string message)
    {
        using var app = new TestApp(provider);
        var client = app.Client();

        var problem = await (await client.PostRaw("/api/v1/campaigns", json)).AssertProblem(HttpStatusCode.BadRequest, "validation");

        Assert.Equal([message], problem["errors"]!["body"]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.Empty((await client.GetOk("/api/v1/campaigns"))["data"]!.AsArray());
    }

    /// <summary>curl -d without a JSON content type: the framework's 415, with RefTrack's type and a hint.</summary>
    [Fact]
    public async Task Body_not_declared_json_is_a_reftrack_415_problem()
    {
        using var app = new TestApp(provider);
        var client = app.Client();

        var response = await client.PostAsync("/api/v1/campaigns", new StringContent(
            """{"name":"Spring","destinationUrl":"https://shop.example"}""", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"));

        var problem = await response.AssertProblem(HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
        Assert.Contains("application/json", problem.Str("detail"), StringComparison.Ordinal);
        Assert.Empty((await client.GetOk("/api/v1/campaigns"))["data"]!.AsArray());
    }

    /// <summary>A charset the framework does not know threw out of its JSON reader: a 500, and nothing said why.
    /// Known ones (UTF-16 and the like) are read as before.</summary>
    [Theory]
    [InlineData("application/json; charset=foo", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("application/json; charset=\"\"", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("application/json; charset=utf-8", HttpStatusCode.Created)]
    public async Task A_body_in_an_unknown_charset_is_a_415_problem(string contentType, HttpStatusCode expected)
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        using var body = new ByteArrayContent("""{"name":"Spring","destinationUrl":"https://shop.example"}"""u8.ToArray());
        body.Headers.TryAddWithoutValidation("Content-Type", contentType);

        var response = await client.PostAsync("/api/v1/campaigns", body);

        if (expected == HttpStatusCode.Created)
        {
            Assert.Equal(expected, response.StatusCode);
            return;
        }

        var problem = await response.AssertProblem(expected, "unsupported-media-type");
        Assert.Contains("UTF-8", problem.Str("detail"), StringComparison.Ordinal);
        Assert.Empty((await client.GetOk("/api/v1/campaigns"))["data"]!.AsArray());
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=201", "limit")]
    [InlineData("cursor=not-a-cursor", "cursor")]
    [InlineData("status=lost", "status")]
    [InlineData("status=Pending", "status")]
    [InlineData("limit=%2210%22", "limit")] // A quoted number: the framework's message has the quotes in its value.
    [InlineData("participantId=a%22b", "participantId")]
    public async Task Invalid_list_parameters_are_rejected(string query, string field)
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();

        await AssertInvalid(await client.GetAsync($"/api/v1/campaigns/{campaignId}/rewards?{query}"), field);
    }

    [Fact]
    public async Task Overlong_idempotency_key_is_rejected()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();

        var response = await client.PostJson($"/api/v1/campaigns/{campaignId}/participants",
            new { externalId = "user-a", email = "a@example.org" }, idempotencyKey: new string('k', 201));

        await AssertInvalid(response, "Idempotency-Key");
        Assert.Empty(await client.Participants(campaignId));
    }

    [Fact]
    public async Task Unknown_campaign_is_404_problem()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var missing = Guid.NewGuid();

        await (await client.GetAsync($"/api/v1/campaigns/{missing}")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        await (await client.GetAsync($"/api/v1/campaigns/{missing}/stats")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        var register = await client.PostAsJsonAsync($"/api/v1/campaigns/{missing}/participants", new { externalId = "a", email = "a@example.org" });
        await register.AssertProblem(HttpStatusCode.NotFound, "not-found");
        var rule = await client.PostAsJsonAsync($"/api/v1/campaigns/{missing}/reward-rules", new { trigger = "signup", recipient = "referrer", amount = 1, currency = "USD" });
        await rule.AssertProblem(HttpStatusCode.NotFound, "not-found");
    }

    /// <summary>An id that is not a GUID misses the route's <c>{x:guid}</c> constraint: no endpoint at all, yet the
    /// same RefTrack problem as an id that does not exist (not the framework's RFC 9110 type).</summary>
    [Theory]
    [InlineData("POST", "/api/v1/campaigns/{campaign}/rewards/not-a-guid/approve")]
    [InlineData("GET", "/api/v1/campaigns/{campaign}/rewards/not-a-guid")]
    [InlineData("GET", "/api/v1/campaigns/not-a-guid")]
    [InlineData("POST", "/api/v1/campaigns/not-a-guid/conversions")]
    [InlineData("DELETE", "/api/v1/api-keys/not-a-guid")]
    [InlineData("GET", "/api/v1/no-such-thing")]
    public async Task Malformed_id_or_unknown_route_is_a_reftrack_404_problem(string method, string url)
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();

        using var request = new HttpRequestMessage(new HttpMethod(method), url.Replace("{campaign}", campaignId, StringComparison.Ordinal));
        await (await client.SendAsync(request)).AssertProblem(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Unsupported_method_is_a_reftrack_405_problem()
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();

        var response = await client.PutAsJsonAsync($"/api/v1/campaigns/{campaignId}/conversions", new { });

        await response.AssertProblem(HttpStatusCode.MethodNotAllowed, "method-not-allowed");
    }

    /// <summary>A client whose <c>Accept</c> excludes JSON (<c>text/plain</c>, <c>application/xml</c>) still gets the
    /// problems the framework answers by itself (a path that does not exist, a method the path does not take, a body
    /// not declared JSON): they were a <c>text/plain</c> "Status Code: 404; Not Found", with no type to switch on.</summary>
    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    public async Task Framework_problems_are_answered_whatever_the_clients_accept_header(string accept)
    {
        using var app = new TestApp(provider);
        var client = app.Client();
        var campaignId = await client.CreateCampaign();

        async Task Expect(HttpMethod method, string url, HttpContent? body, HttpStatusCode status, string type) =>
            await (await client.SendAccepting(accept, method, url, body)).AssertProblem(status, type);

        await Expect(HttpMethod.Get, "/api/v1/no-such-thing", null, HttpStatusCode.NotFound, "not-found");
        await Expect(HttpMethod.Get, $"/api/v1/campaigns/{campaignId}/rewards/not-a-guid", null, HttpStatusCode.NotFound,
            "not-found");
        await Expect(HttpMethod.Put, $"/api/v1/campaigns/{campaignId}/conversions", JsonContent.Create(new { }),
            HttpStatusCode.MethodNotAllowed, "method-not-allowed");
        await Expect(HttpMethod.Post, "/api/v1/campaigns", new StringContent(
                """{"name":"Spring","destinationUrl":"https://shop.example"}""", System.Text.Encoding.UTF8,
                "application/x-www-form-urlencoded"),
            HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
        Assert.Single((await client.GetOk("/api/v1/campaigns"))["data"]!.AsArray()); // Nothing created.
    }
}
