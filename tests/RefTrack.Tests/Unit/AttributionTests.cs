using RefTrack.Campaigns;
using RefTrack.Links;
using RefTrack.Participants;
using RefTrack.Referrals;

namespace RefTrack.Tests.Unit;

public sealed class AttributionTests
{
    private const int Window = 30;
    private static readonly DateTime Now = new(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);
    private static readonly Guid CampaignId = Guid.Parse("0195a000-0000-7000-8000-000000000001");
    private static readonly Guid OtherCampaignId = Guid.Parse("0195a000-0000-7000-8000-000000000002");
    private static readonly Guid NewcomerId = Guid.Parse("0195a000-0000-7000-8000-0000000000aa");
    private static readonly string NewcomerEmail = EmailNormalizer.Normalize("new.comer@example.com")!;

    private static readonly Guid Alice = Guid.Parse("0195a000-0000-7000-8000-0000000000a1");
    private static readonly Guid Bob = Guid.Parse("0195a000-0000-7000-8000-0000000000b0");
    private static readonly Guid Carol = Guid.Parse("0195a000-0000-7000-8000-0000000000c0");

    private static ClickEvidence Click(Guid referrer, DateTime at, string code, Guid? campaign = null, string? email = null) =>
        new(Guid.NewGuid(), campaign ?? CampaignId, referrer, email ?? $"{code.ToLowerInvariant()}@example.com", code, at);

    private static CodeEvidence Code(Guid referrer, string code, Guid? campaign = null, bool disabled = false, string? email = null) =>
        new(campaign ?? CampaignId, referrer, email ?? $"{code.ToLowerInvariant()}@example.com", code, disabled);

    private static AttributionInput Input(
        AttributionModel model = AttributionModel.FirstClick,
        ClickEvidence? click = null,
        IReadOnlyList<ClickEvidence>? sameDevice = null,
        bool? clickIdGiven = null,
        CodeEvidence? code = null,
        bool? codeGiven = null,
        Guid? participantId = null,
        string? participantEmail = null,
        bool noParticipantEmail = false,
        int windowDays = Window) =>
        new(CampaignId, windowDays, model, Now, participantId ?? NewcomerId,
            noParticipantEmail ? null : participantEmail ?? NewcomerEmail,
            clickIdGiven ?? click is not null, click, sameDevice ?? (click is null ? [] : [click]),
            codeGiven ?? code is not null, code);

    // ---- nothing given ----

    [Theory]
    [InlineData(AttributionModel.FirstClick)]
    [InlineData(AttributionModel.LastClick)]
    public void Nothing_given_is_outcome_none(AttributionModel model)
    {
        var d = Attribution.Decide(Input(model));

        Assert.Equal(new AttributionDecision(AttributionOutcome.None, null), d);
        Assert.Null(d.ReferrerId);
    }

    // ---- first vs last click across same-device clicks ----

    [Fact]
    public void First_click_picks_the_earliest_same_device_click_in_the_window()
    {
        var a = Click(Alice, Now.AddDays(-20), "ALICE");
        var b = Click(Bob, Now.AddDays(-10), "BOB");
        var c = Click(Carol, Now.AddHours(-1), "CAROL");

        var d = Attribution.Decide(Input(AttributionModel.FirstClick, click: c, sameDevice: [b, c, a]));

        Assert.Equal(AttributionOutcome.Attributed, d.Outcome);
        Assert.Equal(AttributionReasons.FirstClick, d.Reason);
        Assert.Equal(Alice, d.ReferrerId);
        Assert.Equal(ReferralSource.Click, d.Source);
        Assert.Equal(a.ClickId, d.ClickId);
        Assert.Equal("ALICE", d.Code);
        Assert.Equal(a.OccurredAt, d.ClickedAt);
    }

    [Fact]
    public void Last_click_picks_the_latest_same_device_click_in_the_window()
    {
        var a = Click(Alice, Now.AddDays(-20), "ALICE");
        var b = Click(Bob, Now.AddDays(-10), "BOB");
        var c = Click(Carol, Now.AddHours(-1), "CAROL");

        // The click named at signup is not the latest one; the latest same-device click still wins.
        var d = Attribution.Decide(Input(AttributionModel.LastClick, click: b, sameDevice: [c, a, b]));

        Assert.Equal(AttributionOutcome.Attributed, d.Outcome);
        Assert.Equal(AttributionReasons.LastClick, d.Reason);
        Assert.Equal(Carol, d.ReferrerId);
        Assert.Equal(ReferralSource.Click, d.Source);
        Assert.Equal(c.ClickId, d.ClickId);
        Assert.Equal("CAROL", d.Code);
        Assert.Equal(c.OccurredAt, d.ClickedAt);
    }

    [Fact]
    public void Single_click_is_attributed_with_its_details()
    {
        var a = Click(Alice, Now.AddDays(-3), "ALICE");

        var d = Attribution.Decide(Input(AttributionModel.FirstClick, click: a, sameDevice: []));

        Assert.Equal(
            new AttributionDecision(AttributionOutcome.Attributed, AttributionReasons.FirstClick, Alice,
                ReferralSource.Click, a.ClickId, "ALICE", a.OccurredAt),
            d);
    }

    [Fact]
    public void First_click_ignores_same_device_clicks_older_than_the_window()
    {
        var old = Click(Alice, Now.AddDays(-Window).AddMinutes(-1), "ALICE");
        var b = Click(Bob, Now.AddDays(-10), "BOB");
        var c = Click(Carol, Now.AddDays(-1), "CAROL");

        var d = Attribution.Decide(Input(AttributionModel.FirstClick, click: c, sameDevice: [old, b, c]));

        Assert.Equal(Bob, d.ReferrerId);
        Assert.Equal(b.ClickId, d.ClickId);
    }

    [Fact]
    public void Same_device_clicks_from_another_campaign_are_ignored()
    {
        var foreign = Click(Alice, Now.AddDays(-20), "ALICE", campaign: OtherCampaignId);
        var c = Click(Carol, Now.AddDays(-1), "CAROL");

        var d = Attribution.Decide(Input(AttributionModel.FirstClick, click: c, sameDevice: [foreign, c]));

        Assert.Equal(AttributionOutcome.Attributed, d.Outcome);
        Assert.Equal(Carol, d.ReferrerId);
        Assert.Equal(c.ClickId, d.ClickId);
    }

    [Theory]
    [InlineData(AttributionModel.FirstClick)]
    [InlineData(AttributionModel.LastClick)]
    public void Named_click_of_another_campaign_still_lets_the_devices_clicks_in_this_campaign_decide(AttributionModel model)
    {
        // One rt_click cookie serves every campaign: the browser's latest click may be another campaign's.
        var b = Click(Bob, Now.AddDays(-3), "BOB");
        var foreign = Click(Alice, Now.AddHours(-1), "ALICE", campaign: OtherCampaignId);

        var d = Attribution.Decide(Input(model, click: foreign, sameDevice: [b]));

        Assert.Equal(AttributionOutcome.Attributed, d.Outcome);
        Assert.Equal(Bob, d.ReferrerId);
        Assert.Equal(b.ClickId, d.ClickId);
    }

    // ---- code at signup is the latest touch ----

    [Fact]
    public void Code_wins_over_clicks_under_last_click()
    {
        var a = Click(Alice, Now.AddDays(-2), "ALICE");
        var b = Click(Bob, Now.AddMinutes(-5), "BOB");

        var d = Attribution.Decide(Input(AttributionModel.LastClick, click: b, sameDevice: [a, b], code: Code(Carol, "CAROL")));

        Assert.Equal(
            new AttributionDecision(AttributionOutcome.Attributed, AttributionReasons.ReferralCode, Carol,
                ReferralSource.Code, ClickId: null, Code: "CAROL", ClickedAt: null),
            d);
    }

    [Fact]
    public void Valid_click_wins_over_code_under_first_click()
    {
        var a = Click(Alice, Now.AddDays(-2), "ALICE");

        var d = Attribution.Decide(Input(AttributionModel.FirstClick, click: a, code: Code(Carol, "CAROL")));

        Assert.Equal(AttributionOutcome.Attributed, d.Outcome);
        Assert.Equal(AttributionReasons.FirstClick, d.Reason);
        Assert.Equal(Alice, d.ReferrerId);
        Assert.Equal(ReferralSource.Click, d.Source);
        Assert.Equal(a.ClickId, d.ClickId);
        Assert.Equal("ALICE", d.Code);
    }

    [Theory]
    [InlineData(AttributionModel.FirstClick)]
    [InlineData(AttributionModel.LastClick)]
    public void Code_alone_is_attributed(AttributionModel model)
    {
        var d = Attribution.Decide(Input(model, code: Code(Carol, "CAROL")));

        Assert.Equal(
            new AttributionDecision(AttributionOutcome.Attributed, AttributionReasons.ReferralCode, Carol,
                ReferralSource.Code, null, "CAROL", null),
            d);
    }

    public enum BadClick
    {
        Unknown,
        OtherCampaign,
        Expired,
        Self,
    }

    private static AttributionInput WithBadClick(BadClick kind, AttributionModel model, CodeEvidence? code)
    {
        return kind switch
        {
            BadClick.Unknown => Input(model, clickIdGiven: true, code: code),
            BadClick.OtherCampaign => Input(model, click: Click(Alice, Now.AddDays(-1), "ALICE", campaign: OtherCampaignId), code: code),
            BadClick.Expired => Input(model, click: Click(Alice, Now.AddDays(-Window - 1), "ALICE"), code: code),
            BadClick.Self => Input(model, click: Click(NewcomerId, Now.AddDays(-1), "ME"), code: code),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    [Theory]
    [InlineData(BadClick.Unknown, AttributionModel.FirstClick)]
    [InlineData(BadClick.Unknown, AttributionModel.LastClick)]
    [InlineData(BadClick.OtherCampaign, AttributionModel.FirstClick)]
    [InlineData(BadClick.OtherCampaign, AttributionModel.LastClick)]
    [InlineData(BadClick.Expired, AttributionModel.FirstClick)]
    [InlineData(BadClick.Expired, AttributionModel.LastClick)]
    [InlineData(BadClick.Self, AttributionModel.FirstClick)]
    [InlineData(BadClick.Self, AttributionModel.LastClick)]
    public void Invalid_click_falls_back_to_a_valid_code(BadClick kind, AttributionModel model)
    {
        var d = Attribution.Decide(WithBadClick(kind, model, Code(Carol, "CAROL")));

        Assert.Equal(AttributionOutcome.Attributed, d.Outcome);
        Assert.Equal(AttributionReasons.ReferralCode, d.Reason);
        Assert.Equal(Carol, d.ReferrerId);
        Assert.Equal(ReferralSource.Code, d.Source);
        Assert.Equal("CAROL", d.Code);
        Assert.Null(d.ClickId);
        Assert.Null(d.ClickedAt);
    }

    [Theory]
    [InlineData(BadClick.Unknown, AttributionReasons.UnknownClick)]
    [InlineData(BadClick.OtherCampaign, AttributionReasons.ClickFromOtherCampaign)]
    [InlineData(BadClick.Expired, AttributionReasons.ClickExpired)]
    public void Invalid_click_alone_is_rejected_with_its_reason(BadClick kind, string reason)
    {
        foreach (var model in new[] { AttributionModel.FirstClick, AttributionModel.LastClick })
        {
            var d = Attribution.Decide(WithBadClick(kind, model, code: null));

            Assert.Equal(AttributionOutcome.Rejected, d.Outcome);
            Assert.Equal(reason, d.Reason);
            Assert.Null(d.ReferrerId);
        }
    }

    [Fact]
    public void Valid_click_is_used_when_the_code_is_invalid_under_last_click()
    {
        var a = Click(Alice, Now.AddDays(-1), "ALICE");

        var d = Attribution.Decide(Input(AttributionModel.LastClick, click: a, code: Code(Carol, "CAROL", disabled: true)));

        Assert.Equal(AttributionOutcome.Attributed, d.Outcome);
        Assert.Equal(AttributionReasons.LastClick, d.Reason);
        Assert.Equal(Alice, d.ReferrerId);
        Assert.Equal(a.ClickId, d.ClickId);
    }

    // ---- window ----

    [Fact]
    public void Click_exactly_window_days_old_is_still_in_the_window()
    {
        var a = Click(Alice, Now.AddDays(-Window), "ALICE");

        var d = Attribution.Decide(Input(click: a));

        Assert.Equal(AttributionOutcome.Attributed, d.Outcome);
        Assert.Equal(Alice, d.ReferrerId);
        Assert.Equal(a.OccurredAt, d.ClickedAt);
    }

    [Fact]
    public void Click_one_tick_older_than_the_window_is_expired()
    {
        var a = Click(Alice, Now.AddDays(-Window).AddTicks(-1), "ALICE");

        var d = Attribution.Decide(Input(click: a));

        Assert.Equal(AttributionOutcome.Rejected, d.Outcome);
        Assert.Equal(AttributionReasons.ClickExpired, d.Reason);
        Assert.Null(d.ReferrerId);
    }

    [Theory]
    [InlineData(1, 0, true)]
    [InlineData(1, 23, true)]
    [InlineData(1, 25, false)]
    [InlineData(7, 24 * 7, true)]
    [InlineData(7, 24 * 7 + 1, false)]
    [InlineData(365, 24 * 365, true)]
    [InlineData(365, 24 * 366, false)]
    public void Window_follows_the_campaign_setting(int windowDays, int hoursAgo, bool inWindow)
    {
        var a = Click(Alice, Now.AddHours(-hoursAgo), "ALICE");

        var d = Attribution.Decide(Input(click: a, windowDays: windowDays));

        if (inWindow)
        {
            Assert.Equal(AttributionOutcome.Attributed, d.Outcome);
            Assert.Equal(Alice, d.ReferrerId);
        }
        else
        {
            Assert.Equal(AttributionOutcome.Rejected, d.Outcome);
            Assert.Equal(AttributionReasons.ClickExpired, d.Reason);
        }
    }

    // ---- clocks of nodes differ ----

    [Theory]
    [InlineData(AttributionModel.FirstClick, 500)]
    [InlineData(AttributionModel.LastClick, 500)]
    [InlineData(AttributionModel.FirstClick, 1_000)]
    [InlineData(AttributionModel.LastClick, 1_000)]
    public void Click_stamped_slightly_ahead_by_another_node_is_in_the_window(AttributionModel model, int aheadMilliseconds)
    {
        // The node that answered the redirect runs a little ahead of the one taking the signup; the signup waits
        // for such a click (ClickIds.IsRecent), so it must count once it arrives.
        var ahead = Click(Alice, Now.AddMilliseconds(aheadMilliseconds), "ALICE");

        var d = Attribution.Decide(Input(model, click: ahead));

        Assert.Equal(AttributionOutcome.Attributed, d.Outcome);
        Assert.Equal(Alice, d.ReferrerId);
        Assert.Equal(ahead.ClickId, d.ClickId);
    }

    [Fact]
    public void Click_stamped_slightly_ahead_is_the_latest_under_last_click()
    {
        var b = Click(Bob, Now.AddMinutes(-5), "BOB");
        var ahead = Click(Carol, Now.AddMilliseconds(300), "CAROL");

        var d = Attribution.Decide(Input(AttributionModel.LastClick, click: b, sameDevice: [b, ahead]));

        Assert.Equal(Carol, d.ReferrerId);
        Assert.Equal(ahead.ClickId, d.ClickId);
    }

    [Fact]
    public void Click_stamped_clearly_in_the_future_is_expired()
    {
        var future = Click(Alice, Now + ClickIds.MaxClockSkew + TimeSpan.FromTicks(1), "ALICE");

        var d = Attribution.Decide(Input(click: future));

        Assert.Equal(AttributionOutcome.Rejected, d.Outcome);
        Assert.Equal(AttributionReasons.ClickExpired, d.Reason);
        Assert.Null(d.ReferrerId);
    }

    [Fact]
    public void Same_device_click_clearly_in_the_future_is_ignored_under_last_click()
    {
        var b = Click(Bob, Now.AddMinutes(-5), "BOB");
        var future = Click(Carol, Now.AddMinutes(10), "CAROL");

        var d = Attribution.Decide(Input(AttributionModel.LastClick, click: b, sameDevice: [b, future]));

        Assert.Equal(Bob, d.ReferrerId);
        Assert.Equal(b.ClickId, d.ClickId);
    }

    // ---- code problems ----

    [Theory]
    [InlineData(AttributionModel.FirstClick)]
    [InlineData(AttributionModel.LastClick)]
    public void Unknown_code_is_rejected(AttributionModel model)
    {
        var d = Attribution.Decide(Input(model, codeGiven: true));

        Assert.Equal(AttributionOutcome.Rejected, d.Outcome);
        Assert.Equal(AttributionReasons.UnknownCode, d.Reason);
        Assert.Null(d.ReferrerId);
    }

    [Fact]
    public void Code_from_another_campaign_is_rejected()
    {
        var d = Attribution.Decide(Input(code: Code(Carol, "CAROL", campaign: OtherCampaignId)));

        Assert.Equal(AttributionOutcome.Rejected, d.Outcome);
        Assert.Equal(AttributionReasons.CodeFromOtherCampaign, d.Reason);
        Assert.Null(d.ReferrerId);
    }

    [Fact]
    public void Disabled_code_is_rejected()
    {
        var d = Attribution.Decide(Input(code: Code(Carol, "CAROL", disabled: true)));

        Assert.Equal(AttributionOutcome.Rejected, d.Outcome);
        Assert.Equal(AttributionReasons.CodeDisabled, d.Reason);
        Assert.Null(d.ReferrerId);
    }

    [Fact]
    public void Click_problem_is_reported_before_code_problem()
    {
        var d = Attribution.Decide(Input(clickIdGiven: true, code: Code(Carol, "CAROL", disabled: true)));

        Assert.Equal(AttributionOutcome.Rejected, d.Outcome);
        Assert.Equal(AttributionReasons.UnknownClick, d.Reason);
    }

    // ---- self-referral ----

    [Fact]
    public void Own_click_by_participant_id_is_a_self_referral()
    {
        var own = Click(NewcomerId, Now.AddDays(-1), "ME", email: "someone.else@example.com");

        var d = Attribution.Decide(Input(click: own));

        Assert.Equal(AttributionOutcome.Rejected, d.Outcome);
        Assert.Equal(AttributionReasons.SelfReferral, d.Reason);
        Assert.Equal(NewcomerId, d.ReferrerId);
        Assert.Equal(own.ClickId, d.ClickId);
        Assert.Equal("ME", d.Code);
        Assert.Equal(own.OccurredAt, d.ClickedAt);
    }

    [Fact]
    public void Click_from_the_same_normalized_email_is_a_self_referral()
    {
        var participantEmail = EmailNormalizer.Normalize("J.Doe+ref@GoogleMail.com");
        var referrerEmail = EmailNormalizer.Normalize("jdoe@gmail.com");
        var click = Click(Alice, Now.AddDays(-1), "ALICE", email: referrerEmail);

        var d = Attribution.Decide(Input(click: click, participantEmail: participantEmail));

        Assert.Equal(AttributionOutcome.Rejected, d.Outcome);
        Assert.Equal(AttributionReasons.SelfReferral, d.Reason);
        Assert.Equal(Alice, d.ReferrerId);
    }

    [Fact]
    public void Own_code_by_participant_id_is_a_self_referral()
    {
        var d = Attribution.Decide(Input(code: Code(NewcomerId, "ME", email: "other@example.com")));

        Assert.Equal(AttributionOutcome.Rejected, d.Outcome);
        Assert.Equal(AttributionReasons.SelfReferral, d.Reason);
        Assert.Equal(NewcomerId, d.ReferrerId);
        Assert.Equal(ReferralSource.Code, d.Source);
        Assert.Equal("ME", d.Code);
    }

    /// <summary>The same for one's own click on a code disabled since, or one counted as a bot; another referrer's
    /// disabled click beside it changes nothing, and without one's own the code's state is the reason.</summary>
    [Fact]
    public void Own_click_on_a_disabled_code_is_a_self_referral()
    {
        var own = Click(NewcomerId, Now.AddDays(-1), "ME") with { CodeDisabled = true };
        var carols = Click(Carol, Now.AddDays(-2), "CAROL") with { CodeDisabled = true };

        var d = Attribution.Decide(Input(click: own, sameDevice: [carols]));
        var ownBot = Attribution.Decide(Input(click: own with { CodeDisabled = false, IsBot = true }));
        var carolsAlone = Attribution.Decide(Input(click: carols));

        Assert.Equal((AttributionReasons.SelfReferral, NewcomerId, own.ClickId), (d.Reason, d.ReferrerId, d.ClickId));
        Assert.Equal(AttributionReasons.SelfReferral, ownBot.Reason);
        Assert.Equal(AttributionReasons.CodeDisabled, carolsAlone.Reason);
    }

    /// <summary>One's own code is a self-referral, recorded with its referrer for review, even once disabled: it
    /// answered code_disabled and recorded no one (found by review).</summary>
    [Fact]
    public void Own_disabled_code_is_a_self_referral()
    {
        var d = Attribution.Decide(Input(code: Code(Carol, "CAROL", disabled: true, email: "new.comer@example.com")));

        Assert.Equal((AttributionOutcome.Rejected, AttributionReasons.SelfReferral, Carol),
            (d.Outcome, d.Reason, d.ReferrerId));
    }

    [Fact]
    public void Code_of_the_same_normalized_email_is_a_self_referral()
    {
        var participantEmail = EmailNormalizer.Normalize("J.Doe+ref@GoogleMail.com");
        var referrerEmail = EmailNormalizer.Normalize("jdoe@gmail.com");

        var d = Attribution.Decide(Input(AttributionModel.LastClick, code: Code(Alice, "ALICE", email: referrerEmail),
            participantEmail: participantEmail));

        Assert.Equal(AttributionOutcome.Rejected, d.Outcome);
        Assert.Equal(AttributionReasons.SelfReferral, d.Reason);
        Assert.Equal(Alice, d.ReferrerId);
        Assert.Equal(ReferralSource.Code, d.Source);
    }

    [Fact]
    public void Code_of_a_referrer_stored_with_its_unicode_domain_is_a_self_referral_by_the_ascii_form()
    {
        // As rows written before domains were mapped to ASCII hold it.
        const string storedBefore = "josé@bücher.example";
        var participantEmail = EmailNormalizer.Normalize("josé@xn--bcher-kva.example");

        var d = Attribution.Decide(Input(code: Code(Alice, "ALICE", email: storedBefore), participantEmail: participantEmail));

        Assert.Equal(AttributionOutcome.Rejected, d.Outcome);
        Assert.Equal(AttributionReasons.SelfReferral, d.Reason);
    }

    [Fact]
    public void Dotted_address_at_another_domain_is_a_different_person()
    {
        var participantEmail = EmailNormalizer.Normalize("j.doe@example.com");
        var referrerEmail = EmailNormalizer.Normalize("jdoe@example.com");

        var d = Attribution.Decide(Input(code: Code(Alice, "ALICE", email: referrerEmail), participantEmail: participantEmail));

        Assert.Equal(AttributionOutcome.Attributed, d.Outcome);
        Assert.Equal(Alice, d.ReferrerId);
    }

    [Fact]
    public void Missing_emails_on_both_sides_are_not_a_self_referral()
    {
        var click = new ClickEvidence(Guid.NewGuid(), CampaignId, Alice, null, "ALICE", Now.AddDays(-1));

        var d = Attribution.Decide(Input(click: click, noParticipantEmail: true));

        Assert.Equal(AttributionOutcome.Attributed, d.Outcome);
        Assert.Equal(Alice, d.ReferrerId);
    }

    [Fact]
    public void Own_same_device_click_is_skipped_for_another_referrers_click()
    {
        var own = Click(NewcomerId, Now.AddDays(-5), "ME");
        var alice = Click(Alice, Now.AddDays(-1), "ALICE");

        var d = Attribution.Decide(Input(AttributionModel.FirstClick, click: alice, sameDevice: [own, alice]));

        Assert.Equal(AttributionOutcome.Attributed, d.Outcome);
        Assert.Equal(Alice, d.ReferrerId);
        Assert.Equal(alice.ClickId, d.ClickId);
    }

    [Fact]
    public void Self_referral_is_reported_over_other_refusals()
    {
        var d = Attribution.Decide(Input(clickIdGiven: true, code: Code(NewcomerId, "ME")));

        Assert.Equal(AttributionOutcome.Rejected, d.Outcome);
        Assert.Equal(AttributionReasons.SelfReferral, d.Reason);
        Assert.Equal(NewcomerId, d.ReferrerId);
    }

    [Fact]
    public void Valid_click_wins_over_own_code_under_last_click()
    {
        var alice = Click(Alice, Now.AddDays(-1), "ALICE");

        var d = Attribution.Decide(Input(AttributionModel.LastClick, click: alice, code: Code(NewcomerId, "ME")));

        Assert.Equal(AttributionOutcome.Attributed, d.Outcome);
        Assert.Equal(AttributionReasons.LastClick, d.Reason);
        Assert.Equal(Alice, d.ReferrerId);
    }
}
