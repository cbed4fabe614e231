using RefTrack.Campaigns;
using RefTrack.Conversions;
using RefTrack.Infrastructure;
using RefTrack.Rewards;

namespace RefTrack.Tests.Unit;

public sealed class RequestValidationTests
{
    private static void AssertOnlyErrorOn(Validator v, string field)
    {
        Assert.False(v.IsValid);
        Assert.Equal([field], v.Errors.Keys);
        Assert.NotEmpty(v.Errors[field]);
    }

    private static void AssertErrorOn(Validator v, string field)
    {
        Assert.False(v.IsValid);
        Assert.True(v.Errors.ContainsKey(field), $"Expected an error on '{field}', got: {string.Join(", ", v.Errors.Keys)}");
    }

    // ---- CreateRewardRuleRequest ----

    private static CreateRewardRuleRequest Rule(
        string? trigger = "signup", string? recipient = "referrer", long? amount = 500, int? percent = null,
        string? currency = "USD", bool? firstPurchaseOnly = null, int? minReferrals = null, int? referralCount = null) =>
        new(trigger, recipient, currency, amount, percent, firstPurchaseOnly, minReferrals, referralCount);

    [Fact]
    public void Reward_rule_valid_signup_rule()
    {
        var v = Rule(recipient: "referee").Validate(out var trigger, out var recipient);

        Assert.True(v.IsValid);
        Assert.Empty(v.Errors);
        Assert.Equal(RewardTrigger.Signup, trigger);
        Assert.Equal(RewardRecipient.Referee, recipient);
    }

    [Fact]
    public void Reward_rule_valid_percent_purchase_rule()
    {
        var v = Rule("purchase", amount: null, percent: 2000, firstPurchaseOnly: true, minReferrals: 10)
            .Validate(out var trigger, out var recipient);

        Assert.True(v.IsValid);
        Assert.Equal(RewardTrigger.Purchase, trigger);
        Assert.Equal(RewardRecipient.Referrer, recipient);
    }

    [Fact]
    public void Reward_rule_valid_milestone_rule()
    {
        var v = Rule("milestone", amount: 5000, referralCount: 10).Validate(out var trigger, out _);

        Assert.True(v.IsValid);
        Assert.Equal(RewardTrigger.Milestone, trigger);
    }

    [Fact]
    public void Reward_rule_with_amount_and_percent_is_an_error_on_amount()
    {
        AssertOnlyErrorOn(Rule("purchase", amount: 500, percent: 2000).Validate(out _, out _), "amount");
    }

    [Fact]
    public void Reward_rule_with_neither_amount_nor_percent_is_an_error_on_amount()
    {
        AssertOnlyErrorOn(Rule("purchase", amount: null, percent: null).Validate(out _, out _), "amount");
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(CreateRewardRuleRequest.MaxAmount + 1)]
    public void Reward_rule_amount_out_of_range(long amount)
    {
        AssertOnlyErrorOn(Rule(amount: amount).Validate(out _, out _), "amount");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(10_001)]
    public void Reward_rule_percent_out_of_range(int percent)
    {
        AssertOnlyErrorOn(Rule("purchase", amount: null, percent: percent).Validate(out _, out _), "percentBasisPoints");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10_000)]
    public void Reward_rule_percent_bounds_are_valid(int percent)
    {
        Assert.True(Rule("purchase", amount: null, percent: percent).Validate(out _, out _).IsValid);
    }

    [Theory]
    [InlineData("signup")]
    [InlineData("milestone")]
    public void Reward_rule_percent_only_on_purchase(string trigger)
    {
        var v = Rule(trigger, amount: null, percent: 1000, referralCount: trigger == "milestone" ? 3 : null)
            .Validate(out _, out _);

        AssertOnlyErrorOn(v, "percentBasisPoints");
    }

    [Fact]
    public void Reward_rule_first_purchase_only_on_purchase()
    {
        AssertOnlyErrorOn(Rule("signup", firstPurchaseOnly: true).Validate(out _, out _), "firstPurchaseOnly");
        Assert.True(Rule("signup", firstPurchaseOnly: false).Validate(out _, out _).IsValid);
    }

    [Fact]
    public void Reward_rule_milestone_without_referral_count()
    {
        AssertOnlyErrorOn(Rule("milestone").Validate(out _, out _), "referralCount");
    }

    [Theory]
    [InlineData("signup")]
    [InlineData("purchase")]
    public void Reward_rule_referral_count_only_on_milestones(string trigger)
    {
        AssertOnlyErrorOn(Rule(trigger, referralCount: 5).Validate(out _, out _), "referralCount");
    }

    [Fact]
    public void Reward_rule_milestone_referral_count_at_least_one()
    {
        AssertOnlyErrorOn(Rule("milestone", referralCount: 0).Validate(out _, out _), "referralCount");
    }

    [Fact]
    public void Reward_rule_milestone_for_referee()
    {
        AssertOnlyErrorOn(Rule("milestone", recipient: "referee", referralCount: 5).Validate(out _, out _), "recipient");
    }

    [Fact]
    public void Reward_rule_milestone_with_min_referrals()
    {
        AssertOnlyErrorOn(Rule("milestone", referralCount: 5, minReferrals: 2).Validate(out _, out _), "minReferrals");
    }

    [Fact]
    public void Reward_rule_min_referrals_at_least_one()
    {
        AssertOnlyErrorOn(Rule(minReferrals: 0).Validate(out _, out _), "minReferrals");
    }

    [Theory]
    [InlineData("bonus")]
    [InlineData("")]
    [InlineData("Signup")]
    [InlineData("1")]
    [InlineData("signup,purchase")]
    public void Reward_rule_unknown_trigger_lists_allowed_values(string trigger)
    {
        var v = Rule(trigger).Validate(out _, out _);

        AssertOnlyErrorOn(v, "trigger");
        var message = Assert.Single(v.Errors["trigger"]);
        Assert.Contains("signup, purchase, milestone", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reward_rule_missing_trigger_and_recipient()
    {
        var v = Rule(trigger: null, recipient: null).Validate(out _, out _);

        Assert.Equal(new[] { "recipient", "trigger" }, v.Errors.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("referrer, referee", Assert.Single(v.Errors["recipient"]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("usd")]
    [InlineData("US")]
    [InlineData("USDT")]
    [InlineData("U$D")]
    [InlineData(null)]
    public void Reward_rule_bad_currency(string? currency)
    {
        AssertOnlyErrorOn(Rule(currency: currency).Validate(out _, out _), "currency");
    }

    [Fact]
    public void Reward_rule_error_keys_are_camel_case_json_names()
    {
        var v = Rule("Nope", "Nobody", amount: 0, percent: 0, currency: "usd", minReferrals: 0).Validate(out _, out _);

        Assert.Equal(
            new[] { "amount", "currency", "minReferrals", "percentBasisPoints", "recipient", "trigger" },
            v.Errors.Keys.Order(StringComparer.Ordinal));
    }

    // ---- CreateCampaignRequest ----

    private static CreateCampaignRequest Campaign(
        string? name = "Spring", string? url = "https://example.com/signup", int? window = null, string? model = null) =>
        new(name, url, window, model);

    [Fact]
    public void Campaign_valid_with_defaults()
    {
        var v = Campaign().Validate(out var model);

        Assert.True(v.IsValid);
        Assert.Equal(AttributionModel.FirstClick, model);
    }

    [Theory]
    [InlineData("firstClick", AttributionModel.FirstClick)]
    [InlineData("lastClick", AttributionModel.LastClick)]
    public void Campaign_attribution_model_parses_camel_case(string value, AttributionModel expected)
    {
        var v = Campaign(model: value).Validate(out var model);

        Assert.True(v.IsValid);
        Assert.Equal(expected, model);
    }

    [Theory]
    [InlineData("LastClick")]
    [InlineData("last_click")]
    [InlineData("linear")]
    public void Campaign_unknown_attribution_model(string value)
    {
        var v = Campaign(model: value).Validate(out _);

        AssertOnlyErrorOn(v, "attributionModel");
        Assert.Contains("firstClick, lastClick", Assert.Single(v.Errors["attributionModel"]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://example.com")]
    [InlineData("http://example.com/signup?src=ref")]
    [InlineData("https://shop.example.co.uk:8443/a/b")]
    public void Campaign_accepts_absolute_http_urls(string url)
    {
        Assert.True(Campaign(url: url).Validate(out _).IsValid);
    }

    [Theory]
    [InlineData("/signup")]
    [InlineData("signup")]
    [InlineData("example.com/signup")]
    [InlineData("//evil.example/signup")]
    [InlineData("javascript:alert(1)")]
    [InlineData("JavaScript:alert(document.cookie)")]
    [InlineData("data:text/html,<script>alert(1)</script>")]
    [InlineData("ftp://example.com/file")]
    [InlineData("file:///etc/passwd")]
    [InlineData("https://user:secret@example.com/")]
    [InlineData("https://user@example.com/")]
    public void Campaign_rejects_non_redirect_targets(string url)
    {
        AssertOnlyErrorOn(Campaign(url: url).Validate(out _), "destinationUrl");
    }

    [Theory]
    [InlineData("https://shop.example/signup", "https://shop.example/signup")]
    [InlineData("  https://shop.example/signup  ", "https://shop.example/signup")]
    [InlineData("https://shop.example/join?utm_source=referral&lang=en", "https://shop.example/join?utm_source=referral&lang=en")]
    [InlineData("https://shop.example", "https://shop.example/")]
    [InlineData("HTTPS://Shop.Example:443/Signup", "https://shop.example/Signup")]
    [InlineData("https://shop.example:8443/a", "https://shop.example:8443/a")]
    [InlineData("https://shop.example/café", "https://shop.example/caf%C3%A9")]
    [InlineData("https://shop.example/s?q=straße", "https://shop.example/s?q=stra%C3%9Fe")]
    [InlineData("https://bücher.example/signup", "https://xn--bcher-kva.example/signup")]
    [InlineData("https://MÜNCHEN.example/straße?q=ä", "https://xn--mnchen-3ya.example/stra%C3%9Fe?q=%C3%A4")]
    [InlineData("https://shop.example/a%0D%0Ab", "https://shop.example/a%0D%0Ab")]
    [InlineData("http://[2001:db8::1]:8080/a", "http://[2001:db8::1]:8080/a")]
    [InlineData("https://shop.example/?referrer=x&href=y", "https://shop.example/?referrer=x&href=y")]
    public void Campaign_destination_is_stored_as_the_ascii_url_the_redirect_sends(string url, string expected)
    {
        var v = Campaign(url: url).Validate(out _, out var destination);

        Assert.True(v.IsValid, string.Join("; ", v.Errors.SelectMany(e => e.Value)));
        Assert.Equal(expected, destination);
    }

    [Theory]
    [InlineData("https://shop.example/a\r\nX-Injected: 1")]
    [InlineData("https://shop.example/a\nb")]
    [InlineData("https://shop.example/a b")]
    [InlineData("https://shop.example/a\tb")]
    [InlineData("https://shop.example/a\u0000b")]
    [InlineData("https://shop.example/a\u007fb")]
    [InlineData("https://shop.example/a\u00a0b")]
    [InlineData("https://shop.example/a\u2028b")]
    [InlineData("https://shop.example/?q=a b")]
    public void Campaign_destination_with_whitespace_or_control_characters_is_refused(string escaped)
    {
        var url = System.Text.RegularExpressions.Regex.Unescape(escaped);

        var v = Campaign(url: url).Validate(out _, out var destination);

        AssertOnlyErrorOn(v, "destinationUrl");
        Assert.Contains("control characters", Assert.Single(v.Errors["destinationUrl"]), StringComparison.Ordinal);
        Assert.Null(destination);
    }

    [Theory]
    [InlineData("https://shop.example/signup?ref=newsletter")]
    [InlineData("https://shop.example/signup?utm=x&ref")]
    [InlineData("https://shop.example/signup?REF=newsletter")]
    [InlineData("https://shop.example/signup?r%65f=newsletter")]
    [InlineData("https://shop.example/signup?rt_click=abc")]
    [InlineData("https://shop.example/signup?a=1&RT_CLICK=")]
    public void Campaign_destination_with_the_redirects_own_parameters_is_refused(string url)
    {
        var v = Campaign(url: url).Validate(out _);

        AssertOnlyErrorOn(v, "destinationUrl");
        Assert.Contains("'ref' or 'rt_click'", Assert.Single(v.Errors["destinationUrl"]), StringComparison.Ordinal);
    }

    [Fact]
    public void Campaign_destination_at_most_2048_characters_once_percent_encoded()
    {
        var fits = "https://shop.example/" + new string('é', (2048 - 21) / 6);
        var tooLong = "https://shop.example/" + new string('é', 400); // 421 characters, 2421 encoded.

        Assert.True(Campaign(url: fits).Validate(out _).IsValid);
        AssertOnlyErrorOn(Campaign(url: tooLong).Validate(out _), "destinationUrl");
    }

    [Fact]
    public void Campaign_destination_host_without_an_ascii_form_is_refused()
    {
        var label = new string('ü', 70); // Longer than a DNS label may be: Uri keeps it as Unicode.

        AssertOnlyErrorOn(Campaign(url: $"https://{label}.example/").Validate(out _), "destinationUrl");
    }

    [Fact]
    public void Campaign_requires_name_and_destination()
    {
        var v = Campaign(name: " ", url: null).Validate(out _);

        Assert.Equal(new[] { "destinationUrl", "name" }, v.Errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Campaign_name_at_most_200_characters()
    {
        Assert.True(Campaign(name: new string('n', 200)).Validate(out _).IsValid);
        AssertOnlyErrorOn(Campaign(name: new string('n', 201)).Validate(out _), "name");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(366)]
    public void Campaign_window_out_of_range(int days)
    {
        AssertOnlyErrorOn(Campaign(window: days).Validate(out _), "attributionWindowDays");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(30)]
    [InlineData(365)]
    public void Campaign_window_in_range(int days)
    {
        Assert.True(Campaign(window: days).Validate(out _).IsValid);
    }

    // ---- RecordConversionRequest ----

    private static RecordConversionRequest Conversion(
        string? externalParticipant = "user-1", Guid? participantId = null, string? type = "purchase",
        long? amount = 4999, string? currency = "USD", string? externalId = "order-1", DateTime? occurredAt = null) =>
        new(type, currency, externalId, externalParticipant, participantId, amount, occurredAt);

    private static readonly DateTime Now = new(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Conversion_valid_purchase()
    {
        var v = Conversion().Validate(Now, out var type);

        Assert.True(v.IsValid);
        Assert.Equal(ConversionType.Purchase, type);
    }

    /// <summary>IdempotencyFilter hashes the body as serialized: stored Idempotency-Key hashes were computed with the
    /// fields in this order, and a retry of the same body must still match them.</summary>
    [Fact]
    public void Conversion_serializes_its_fields_in_the_order_stored_idempotency_hashes_used()
    {
        var json = System.Text.Json.JsonSerializer.SerializeToNode(
            Conversion(participantId: Guid.Empty, occurredAt: Now), System.Text.Json.JsonSerializerOptions.Web)!;

        Assert.Equal(
            ["participantExternalId", "participantId", "type", "amount", "currency", "externalId", "occurredAt"],
            json.AsObject().Select(p => p.Key));
    }

    [Fact]
    public void Conversion_valid_by_participant_id()
    {
        var v = Conversion(externalParticipant: null, participantId: Guid.NewGuid(), type: "subscriptionPayment")
            .Validate(Now, out var type);

        Assert.True(v.IsValid);
        Assert.Equal(ConversionType.SubscriptionPayment, type);
    }

    [Fact]
    public void Conversion_custom_may_omit_amount_but_purchase_may_not()
    {
        var custom = Conversion(type: "custom", amount: null).Validate(Now, out var type);
        Assert.True(custom.IsValid);
        Assert.Equal(ConversionType.Custom, type);

        AssertOnlyErrorOn(Conversion(type: "purchase", amount: null).Validate(Now, out _), "amount");
        AssertOnlyErrorOn(Conversion(type: "subscriptionPayment", amount: null).Validate(Now, out _), "amount");
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(RecordConversionRequest.MaxAmount + 1)]
    public void Conversion_amount_out_of_range(long amount)
    {
        AssertOnlyErrorOn(Conversion(amount: amount).Validate(Now, out _), "amount");
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(RecordConversionRequest.MaxAmount)]
    public void Conversion_amount_bounds_are_valid(long amount)
    {
        Assert.True(Conversion(amount: amount).Validate(Now, out _).IsValid);
    }

    [Theory]
    [InlineData("usd")]
    [InlineData("Usd")]
    [InlineData("EURO")]
    [InlineData("")]
    [InlineData(null)]
    public void Conversion_bad_currency(string? currency)
    {
        AssertOnlyErrorOn(Conversion(currency: currency).Validate(Now, out _), "currency");
    }

    [Fact]
    public void Conversion_needs_exactly_one_participant_reference()
    {
        AssertOnlyErrorOn(Conversion(externalParticipant: null, participantId: null).Validate(Now, out _), "participantExternalId");
        AssertOnlyErrorOn(Conversion(externalParticipant: "user-1", participantId: Guid.NewGuid()).Validate(Now, out _), "participantExternalId");
    }

    [Fact]
    public void Conversion_unknown_type_lists_allowed_values()
    {
        var v = Conversion(type: "refund").Validate(Now, out _);

        AssertOnlyErrorOn(v, "type");
        Assert.Contains("purchase, subscriptionPayment, custom", Assert.Single(v.Errors["type"]), StringComparison.Ordinal);
    }

    [Fact]
    public void Conversion_requires_external_id()
    {
        AssertOnlyErrorOn(Conversion(externalId: null).Validate(Now, out _), "externalId");
        AssertOnlyErrorOn(Conversion(externalId: "  ").Validate(Now, out _), "externalId");
        AssertOnlyErrorOn(Conversion(externalId: new string('x', 201)).Validate(Now, out _), "externalId");
    }

    [Fact]
    public void Conversion_error_keys_are_camel_case_json_names()
    {
        var v = new RecordConversionRequest("Purchase", "usd", null, Amount: -5).Validate(Now, out _);

        Assert.Equal(
            new[] { "amount", "currency", "externalId", "participantExternalId", "type" },
            v.Errors.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("user\u0000-1")]
    [InlineData("user-1\t")]
    [InlineData("user\u0085-1")]
    public void Conversion_participant_external_id_must_be_a_plain_identifier(string participant)
    {
        AssertOnlyErrorOn(Conversion(externalParticipant: participant).Validate(Now, out _), "participantExternalId");
    }

    [Fact]
    public void Conversion_external_id_must_not_hold_control_characters()
    {
        AssertOnlyErrorOn(Conversion(externalId: "order\u0000-1").Validate(Now, out _), "externalId");
        AssertOnlyErrorOn(Conversion(externalId: "order-1\n").Validate(Now, out _), "externalId");
        Assert.True(Conversion(externalId: " order-1 ").Validate(Now, out _).IsValid); // Trimmed when recorded.
    }

    [Fact]
    public void Conversion_occurred_at_from_2000_to_one_day_ahead()
    {
        Assert.True(Conversion(occurredAt: RecordConversionRequest.EarliestOccurredAt).Validate(Now, out _).IsValid);
        Assert.True(Conversion(occurredAt: Now.AddDays(1)).Validate(Now, out _).IsValid);
        Assert.True(Conversion(occurredAt: Now.AddYears(-20)).Validate(Now, out _).IsValid);

        AssertOnlyErrorOn(Conversion(occurredAt: DateTime.MinValue).Validate(Now, out _), "occurredAt");
        AssertOnlyErrorOn(Conversion(occurredAt: DateTime.UnixEpoch).Validate(Now, out _), "occurredAt");
        AssertOnlyErrorOn(Conversion(occurredAt: RecordConversionRequest.EarliestOccurredAt.AddTicks(-1)).Validate(Now, out _), "occurredAt");
        // Times are kept to the microsecond (MicrosecondClock): the first time past the day is a microsecond past it.
        AssertOnlyErrorOn(Conversion(occurredAt: Now.AddDays(1).AddTicks(TimeSpan.TicksPerMicrosecond)).Validate(Now, out _), "occurredAt");
        AssertOnlyErrorOn(Conversion(occurredAt: DateTime.MaxValue).Validate(Now, out _), "occurredAt");
    }

    // ---- Text fields ----

    [Fact]
    public void Free_text_refuses_only_nul_and_identifiers_refuse_every_control_character()
    {
        Assert.True(new Validator().Required("Spring\tsale", "name", 200).IsValid);
        AssertOnlyErrorOn(new Validator().Required("Spring\u0000", "name", 200), "name");
        AssertOnlyErrorOn(new Validator().Optional("\u0000", "name", 200), "name");
        AssertOnlyErrorOn(new Validator().RequiredId("user\u007f", "externalId", 200), "externalId");
        AssertOnlyErrorOn(new Validator().OptionalId("AB\u001fC", "referralCode", 64), "referralCode");
        Assert.True(new Validator().OptionalId(null, "referralCode", 64).IsValid);
        Assert.True(new Validator().RequiredId("ünïcödé-ユーザー", "externalId", 200).IsValid);
    }
}
