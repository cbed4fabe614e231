using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

/// <summary>
/// <c>/openapi/v1.json</c> says what the endpoints do, so that a generated client is usable: the errors each
/// operation answers, which body fields are required, which fields may be null, the values of enum strings, and the
/// <c>Idempotency-Key</c> header. The document does not depend on the database: SQLite only.
/// </summary>
public sealed class OpenApiDocumentTests
{
    private const string Campaign = "/api/v1/campaigns/{campaignId}";

    /// <summary>Every /api/v1 operation and the error statuses (4xx) it can answer. 400 is the validation problem;
    /// 401 everywhere (no key); 403 where an admin key is needed; 404 on every campaign-scoped route (the scope
    /// filter) and wherever a handler looks one thing up; 409/422 where a handler or the Idempotency-Key filter
    /// refuses; 413 and 415 for every body.</summary>
    private static readonly Dictionary<string, int[]> ErrorStatuses = new()
    {
        ["POST /api/v1/api-keys"] = [400, 401, 403, 413, 415],
        ["GET /api/v1/api-keys"] = [400, 401, 403],
        ["GET /api/v1/api-keys/{id}"] = [401, 403, 404],
        ["DELETE /api/v1/api-keys/{id}"] = [401, 403, 404, 409],
        ["POST /api/v1/campaigns"] = [400, 401, 403, 409, 413, 415, 422],
        ["GET /api/v1/campaigns"] = [400, 401],
        ["GET " + Campaign] = [401, 404],
        ["POST " + Campaign + "/participants"] = [400, 401, 404, 409, 413, 415, 422],
        ["GET " + Campaign + "/participants"] = [400, 401, 404],
        ["GET " + Campaign + "/participants/{idOrExternalId}"] = [401, 404],
        ["GET " + Campaign + "/participants/{idOrExternalId}/codes"] = [400, 401, 404],
        ["POST " + Campaign + "/participants/{idOrExternalId}/codes"] = [400, 401, 404, 409, 413, 415],
        ["GET " + Campaign + "/codes/{code}"] = [401, 404],
        ["POST " + Campaign + "/codes/{code}/disable"] = [401, 404],
        ["POST " + Campaign + "/codes/{code}/enable"] = [401, 404],
        ["POST " + Campaign + "/reward-rules"] = [400, 401, 404, 413, 415],
        ["GET " + Campaign + "/reward-rules"] = [400, 401, 404],
        ["GET " + Campaign + "/reward-rules/{ruleId}"] = [401, 404],
        ["DELETE " + Campaign + "/reward-rules/{ruleId}"] = [401, 404],
        ["POST " + Campaign + "/conversions"] = [400, 401, 404, 409, 413, 415, 422],
        ["GET " + Campaign + "/conversions"] = [400, 401, 404],
        ["GET " + Campaign + "/conversions/{conversionId}"] = [401, 404],
        ["GET " + Campaign + "/rewards"] = [400, 401, 404],
        ["GET " + Campaign + "/rewards/{rewardId}"] = [401, 404],
        ["POST " + Campaign + "/rewards/{rewardId}/approve"] = [401, 404, 409],
        ["POST " + Campaign + "/rewards/{rewardId}/mark-paid"] = [401, 404, 409],
        ["POST " + Campaign + "/rewards/{rewardId}/void"] = [401, 404, 409],
        ["GET " + Campaign + "/stats"] = [401, 404],
        ["GET " + Campaign + "/stats/timeseries"] = [400, 401, 404],
        ["GET " + Campaign + "/leaderboard"] = [400, 401, 404],
        ["GET " + Campaign + "/participants/{idOrExternalId}/stats"] = [401, 404],
        ["POST /api/v1/maintenance/rebuild-rollups"] = [401, 403, 409],
    };

    [Fact]
    public async Task Every_api_operation_lists_its_error_responses_as_problems()
    {
        var paths = (await DocumentAsync())["paths"]!.AsObject();
        var operations = Operations(paths).Where(o => o.Path.StartsWith("/api/v1/", StringComparison.Ordinal)).ToList();

        // A new endpoint must be added to the table above, with what it answers.
        Assert.Equal(ErrorStatuses.Keys.Order(StringComparer.Ordinal), operations.Select(o => o.Name).Order(StringComparer.Ordinal));
        foreach (var (name, _, operation) in operations)
        {
            var responses = operation["responses"]!.AsObject();
            var errors = responses.Select(r => int.Parse(r.Key, System.Globalization.CultureInfo.InvariantCulture))
                .Where(s => s >= 400).Order().ToArray();
            // And 503 on every one: each reaches the database, which may be down or busy.
            Assert.True(ErrorStatuses[name].Append(503).SequenceEqual(errors),
                $"{name}: expected {string.Join(", ", ErrorStatuses[name].Append(503))}, documented {string.Join(", ", errors)}");
            foreach (var status in errors)
            {
                var content = responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)]!["content"]?.AsObject();
                Assert.True(content is { Count: 1 } && content["application/problem+json"] is not null,
                    $"{name} {status}: expected application/problem+json, got {content?.ToJsonString()}");
                var schema = content!["application/problem+json"]!["schema"]!.Str("$ref");
                Assert.Equal(status == 400 ? "#/components/schemas/HttpValidationProblemDetails" : "#/components/schemas/ProblemDetails", schema);
            }
        }
    }

    /// <summary>Exactly the fields each request's <c>Validate()</c> refuses to go without, whatever the others say.
    /// One-of pairs (participantExternalId | participantId; amount | percentBasisPoints) and fields needed only for some
    /// values (amount but for custom conversions; referralCount for milestones) are not required.</summary>
    [Theory]
    [InlineData("CreateApiKeyRequest", "name")]
    [InlineData("CreateCampaignRequest", "name", "destinationUrl")]
    [InlineData("RegisterParticipantRequest", "externalId", "email")]
    [InlineData("AddCodeRequest", "code")]
    [InlineData("CreateRewardRuleRequest", "trigger", "recipient", "currency")]
    [InlineData("RecordConversionRequest", "type", "currency", "externalId")]
    public async Task Request_schemas_require_only_what_the_server_requires(string schema, params string[] required)
    {
        var document = await DocumentAsync();
        var node = document["components"]!["schemas"]![schema]!;

        Assert.Equal(required.Order(StringComparer.Ordinal), Names(node["required"]));
        // The JSON names stay what they were.
        Assert.Subset(node["properties"]!.AsObject().Select(p => p.Key).ToHashSet(), required.ToHashSet());
    }

    /// <summary>The document's <c>required</c> is what the server says is missing in an empty body, on every
    /// operation that takes one: no field is documented as required that the server goes without.</summary>
    [Fact]
    public async Task Every_required_field_is_one_an_empty_body_is_refused_for()
    {
        using var app = new TestApp();
        var client = app.Client();
        var campaign = await client.PostOk("/api/v1/campaigns", new { name = "Spring", destinationUrl = "https://example.com/" });
        var document = await client.GetOk("/openapi/v1.json");
        var bodies = Operations(document["paths"]!.AsObject()).Where(o => o.Operation["requestBody"] is not null).ToList();

        Assert.Equal(6, bodies.Count);
        foreach (var (name, path, operation) in bodies)
        {
            var reference = operation["requestBody"]!["content"]!["application/json"]!["schema"]!.Str("$ref");
            var required = Names(document["components"]!["schemas"]![reference.Split('/')[^1]]!["required"]);
            var url = path.Replace("{campaignId}", campaign.Str("id"), StringComparison.Ordinal)
                .Replace("{idOrExternalId}", "nobody", StringComparison.Ordinal);

            var response = await client.PostAsJsonAsync(url, new { });
            var problem = await response.AssertProblem(HttpStatusCode.BadRequest, "validation");
            var refused = problem["errors"]!.AsObject().Select(e => e.Key).ToHashSet();
            Assert.True(refused.IsSupersetOf(required),
                $"{name}: documented required {string.Join(", ", required)}; an empty body is refused for {string.Join(", ", refused)}");
        }
    }

    /// <summary>An optional one (attributionModel) lists null too: the server takes null as its default, and a gateway
    /// checking bodies against the document refused it while its type allowed null (found by review).</summary>
    [Theory]
    [InlineData("CreateCampaignRequest", "attributionModel", "firstClick", "lastClick", null)]
    [InlineData("CreateRewardRuleRequest", "trigger", "signup", "purchase", "milestone")]
    [InlineData("CreateRewardRuleRequest", "recipient", "referrer", "referee")]
    [InlineData("RecordConversionRequest", "type", "purchase", "subscriptionPayment", "custom")]
    public async Task Enum_strings_list_the_values_the_server_accepts(string schema, string property, params string?[] values)
    {
        var document = await DocumentAsync();
        var node = document["components"]!["schemas"]![schema]!["properties"]![property]!;

        Assert.Equal(values, node["enum"]?.AsArray().Select(v => v?.GetValue<string>()) ?? []);
    }

    /// <summary>Query parameters say what the server takes: the rewards' status by name, and each limit and the
    /// series' days with their range and default, as the handlers check them (found by review: bare integers and free
    /// text).</summary>
    [Theory]
    [InlineData("/api/v1/campaigns", "limit", 1, 200, 50)]
    [InlineData("/api/v1/api-keys", "limit", 1, 200, 50)]
    [InlineData(Campaign + "/participants", "limit", 1, 200, 50)]
    [InlineData(Campaign + "/participants/{idOrExternalId}/codes", "limit", 1, 200, 50)]
    [InlineData(Campaign + "/reward-rules", "limit", 1, 200, 50)]
    [InlineData(Campaign + "/conversions", "limit", 1, 200, 50)]
    [InlineData(Campaign + "/rewards", "limit", 1, 200, 50)]
    [InlineData(Campaign + "/stats/timeseries", "days", 1, 366, 30)]
    [InlineData(Campaign + "/leaderboard", "limit", 1, 100, 100)]
    public async Task Query_numbers_give_their_range_and_default(string path, string name, int minimum, int maximum, int @default)
    {
        var schema = QueryParameter((await DocumentAsync())["paths"]!.AsObject(), path, name);

        Assert.Equal((minimum, maximum, @default),
            (schema["minimum"]!.GetValue<int>(), schema["maximum"]!.GetValue<int>(), schema["default"]!.GetValue<int>()));
    }

    [Fact]
    public async Task The_rewards_status_filter_lists_the_statuses()
    {
        var schema = QueryParameter((await DocumentAsync())["paths"]!.AsObject(), Campaign + "/rewards", "status");

        Assert.Equal(["pending", "approved", "paid", "voided"], schema["enum"]!.AsArray().Select(v => v!.GetValue<string>()));
    }

    /// <summary>The redirect's answer is its headers: the document names them (found by review: a bare 302).</summary>
    [Fact]
    public async Task The_redirect_declares_its_location_and_cookies()
    {
        var headers = (await DocumentAsync())["paths"]!["/r/{code}"]!["get"]!["responses"]!["302"]!["headers"]!.AsObject();

        Assert.Equal(["Location", "Set-Cookie"], headers.Select(h => h.Key).Order(StringComparer.Ordinal));
        Assert.Equal("uri", headers["Location"]!["schema"]!.Str("format"));
    }

    private static JsonNode QueryParameter(JsonObject paths, string path, string name) =>
        paths[path]!["get"]!["parameters"]!.AsArray().Single(p => p!.Str("name") == name && p!.Str("in") == "query")!["schema"]!;

    [Fact]
    public async Task Idempotency_key_header_is_declared_where_the_filter_reads_it()
    {
        var paths = (await DocumentAsync())["paths"]!.AsObject();
        var declared = Operations(paths)
            .Where(o => o.Operation["parameters"]?.AsArray().Any(p => p!.Str("name") == "Idempotency-Key") == true)
            .Select(o => o.Name)
            .Order(StringComparer.Ordinal);

        Assert.Equal(["POST /api/v1/campaigns", "POST " + Campaign + "/conversions", "POST " + Campaign + "/participants"], declared);
        foreach (var path in new[] { "/api/v1/campaigns", Campaign + "/conversions", Campaign + "/participants" })
        {
            var header = paths[path]!["post"]!["parameters"]!.AsArray().Single(p => p!.Str("name") == "Idempotency-Key")!;
            Assert.Equal("header", header.Str("in"));
            Assert.False(header["required"]?.GetValue<bool>() ?? false);
            Assert.Contains("retry", header.Str("description"), StringComparison.Ordinal);
            Assert.Equal("string", header["schema"]!.Str("type"));
            Assert.Equal(200, header["schema"]!["maxLength"]!.GetValue<int>());
        }
    }

    /// <summary>Every response field that is both required (always present) and nullable, and when the server answers
    /// null for it. Any other required field is never null: a generated client must not make it optional.</summary>
    private static readonly string[] NullableResponseFields =
    [
        "ApiKeyResponse.campaignId", "CreatedApiKeyResponse.campaignId", // Admin keys and keys for every campaign.
        "ApiKeyResponse.revokedAt", // Keys in use.
        "ConversionResponse.referralId", // Conversions of participants nobody referred, or from before the referral.
        "ConversionResponse.unattributedReason", // Conversions that have a referral.
        "PageOfApiKeyResponse.nextCursor", "PageOfCampaignResponse.nextCursor", "PageOfCodeResponse.nextCursor",
        "PageOfConversionResponse.nextCursor", "PageOfParticipantResponse.nextCursor", "PageOfRewardResponse.nextCursor",
        "PageOfRewardRuleResponse.nextCursor",
        "ParticipantResponse.name", // Optional at registration.
        "ParticipantResponse.referral", // No code or click given, or not attributed.
        "ParticipantResponse.referralCode", "ParticipantResponse.referralLink", // Imported by hand without a code.
        "ParticipantResponse.referredBy", // As referral.
        "RewardResponse.conversionId", // Signup and milestone rewards.
        "RewardRuleResponse.amount", "RewardRuleResponse.percentBasisPoints", // One of the two.
        "RewardRuleResponse.minReferrals", "RewardRuleResponse.referralCount", // Only rules that set them.
    ];

    /// <summary>A required request field is one <c>Validate()</c> refuses to go without, and it refuses null as it
    /// refuses a missing field (<see cref="Every_required_field_is_one_an_empty_body_is_refused_for"/>): the document
    /// must not offer null for it. The C# properties stay nullable so that a missing field reaches the validator.</summary>
    [Fact]
    public async Task Required_request_fields_are_not_nullable()
    {
        var document = await DocumentAsync();
        var schemas = document["components"]!["schemas"]!;
        var bodies = RequestBodySchemas(document);

        Assert.Equal(6, bodies.Count);
        var nullable = (from body in bodies
                        from property in RequiredProperties(schemas[body]!)
                        where AllowsNull(property.Schema)
                        select $"{body}.{property.Name}: {property.Schema.ToJsonString()}").ToList();
        Assert.True(nullable.Count == 0, "Required but nullable: " + string.Join("; ", nullable));
    }

    [Fact]
    public async Task Required_response_fields_are_nullable_only_where_the_server_answers_null()
    {
        var document = await DocumentAsync();
        var bodies = RequestBodySchemas(document);
        var nullable = from schema in document["components"]!["schemas"]!.AsObject()
                       where !bodies.Contains(schema.Key)
                       from property in RequiredProperties(schema.Value!)
                       where AllowsNull(property.Schema)
                       select $"{schema.Key}.{property.Name}";

        Assert.Equal(NullableResponseFields.Order(StringComparer.Ordinal), nullable.Order(StringComparer.Ordinal));
    }

    /// <summary><c>Idempotent-Replayed: true</c> comes with a stored answer given again: a 2xx of an operation that
    /// takes an <c>Idempotency-Key</c>.</summary>
    [Fact]
    public async Task Idempotent_replayed_header_is_declared_on_the_answers_a_retry_gets_again()
    {
        var paths = (await DocumentAsync())["paths"]!.AsObject();
        var declared = ResponsesWithHeader(paths, "Idempotent-Replayed");

        string[] participants = ["POST " + Campaign + "/participants"], conversions = ["POST " + Campaign + "/conversions"];
        Assert.Equal(
            new[] { "POST /api/v1/campaigns 201" }.Concat(
                from name in conversions.Concat(participants) from status in new[] { "200", "201" } select $"{name} {status}"),
            declared.Select(d => d.Name));
        foreach (var (_, header) in declared)
        {
            Assert.Contains("stored", header.Str("description"), StringComparison.Ordinal);
            Assert.Equal("boolean", header["schema"]!.Str("type"));
        }
    }

    /// <summary>Every 201 carries the new resource's path in <c>Location</c> (<c>Created</c> writes it; the document
    /// learns of it only from <c>ResponseHeaders.LocationOnCreated</c>).</summary>
    [Fact]
    public async Task Location_header_is_declared_on_every_created_answer()
    {
        var paths = (await DocumentAsync())["paths"]!.AsObject();
        var created = from operation in Operations(paths)
                      where operation.Operation["responses"]!.AsObject().ContainsKey("201")
                      select $"{operation.Name} 201";

        var declared = ResponsesWithHeader(paths, "Location").Where(d => !d.Name.EndsWith(" 302", StringComparison.Ordinal)).ToList();
        Assert.Equal(created.Order(StringComparer.Ordinal), declared.Select(d => d.Name).Order(StringComparer.Ordinal));
        Assert.Equal(6, declared.Count);
        foreach (var (_, header) in declared)
        {
            Assert.Equal("uri-reference", header["schema"]!.Str("format"));
        }
    }

    /// <summary><c>Retry-After</c> (whole seconds) comes with every 429 and 503 (every operation, the redirect's
    /// included, can answer 503), and with the Idempotency-Key filter's 409 idempotency-key-in-progress.</summary>
    [Fact]
    public async Task Retry_after_header_is_declared_on_the_answers_that_send_it()
    {
        var paths = (await DocumentAsync())["paths"]!.AsObject();
        var declared = ResponsesWithHeader(paths, "Retry-After");
        var operations = Operations(paths).Select(o => o.Name).ToList();
        var throttled = from operation in Operations(paths)
                        from response in operation.Operation["responses"]!.AsObject()
                        where response.Key is "429" or "503"
                        select $"{operation.Name} {response.Key}";

        Assert.Equal(
            ["GET /r/{code} 429", "POST /api/v1/campaigns 409", "POST " + Campaign + "/conversions 409", "POST " + Campaign + "/participants 409"],
            declared.Select(d => d.Name).Where(d => !d.EndsWith(" 503", StringComparison.Ordinal)));
        Assert.Equal(operations.Select(o => o + " 503").Order(StringComparer.Ordinal),
            declared.Select(d => d.Name).Where(d => d.EndsWith(" 503", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.Subset(declared.Select(d => d.Name).ToHashSet(), throttled.ToHashSet());
        foreach (var (_, header) in declared)
        {
            Assert.Contains("seconds", header.Str("description"), StringComparison.Ordinal);
            Assert.Equal("integer", header["schema"]!.Str("type"));
        }
    }

    /// <summary>OpenAPI requires every <c>{name}</c> of a path to be declared as a path parameter of each operation on
    /// it, or generated clients cannot fill it in. A handler that does not take the route value leaves it out (the
    /// campaign's own GET did; found by review).</summary>
    [Fact]
    public async Task Every_path_variable_is_a_declared_path_parameter()
    {
        var paths = (await DocumentAsync())["paths"]!.AsObject();
        var missing =
            from operation in Operations(paths)
            let declared = (operation.Operation["parameters"]?.AsArray() ?? [])
                .Concat(paths[operation.Path]!["parameters"]?.AsArray() ?? [])
                .Where(p => p!.Str("in") == "path")
                .Select(p => p!.Str("name"))
                .ToHashSet()
            from variable in System.Text.RegularExpressions.Regex.Matches(operation.Path, "{([^}]+)}")
            where !declared.Contains(variable.Groups[1].Value)
            select $"{operation.Name}: {variable.Groups[1].Value}";

        Assert.Empty(missing);
    }

    private static async Task<JsonNode> DocumentAsync()
    {
        using var app = new TestApp();
        return await app.Client(apiKey: null).GetOk("/openapi/v1.json");
    }

    private static IEnumerable<(string Name, string Path, JsonNode Operation)> Operations(JsonObject paths) =>
        from path in paths
        from operation in path.Value!.AsObject()
        select ($"{operation.Key.ToUpperInvariant()} {path.Key}", path.Key, operation.Value!);

    /// <summary>The component names of the operations' JSON request bodies.</summary>
    private static HashSet<string> RequestBodySchemas(JsonNode document) =>
        Operations(document["paths"]!.AsObject())
            .Select(o => o.Operation["requestBody"]?["content"]?["application/json"]?["schema"]?["$ref"]?.GetValue<string>())
            .OfType<string>()
            .Select(r => r.Split('/')[^1])
            .ToHashSet();

    private static IEnumerable<(string Name, JsonNode Schema)> RequiredProperties(JsonNode schema) =>
        from name in Names(schema["required"])
        select (name, schema["properties"]![name]!);

    /// <summary>OpenAPI 3.1: <c>"type": ["null", …]</c>, or a <c>oneOf</c>/<c>anyOf</c> with <c>{"type": "null"}</c>.</summary>
    private static bool AllowsNull(JsonNode schema) =>
        schema["type"] switch
        {
            JsonArray types => types.Any(t => t!.GetValue<string>() == "null"),
            JsonValue type => type.GetValue<string>() == "null",
            _ => false,
        }
        || new[] { "oneOf", "anyOf" }.Any(k => schema[k]?.AsArray().Any(s => AllowsNull(s!)) == true);

    /// <summary>"METHOD path status" and the header, for every response that declares <paramref name="header"/>,
    /// in name order.</summary>
    private static List<(string Name, JsonNode Header)> ResponsesWithHeader(JsonObject paths, string header) =>
        (from operation in Operations(paths)
         from response in operation.Operation["responses"]!.AsObject()
         let declared = response.Value!["headers"]?[header]
         where declared is not null
         select ($"{operation.Name} {response.Key}", declared))
        .OrderBy(r => r.Item1, StringComparer.Ordinal)
        .ToList();

    private static List<string> Names(JsonNode? array) =>
        array?.AsArray().Select(n => n!.GetValue<string>()).Order(StringComparer.Ordinal).ToList() ?? [];
}
