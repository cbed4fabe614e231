using RefTrack.Campaigns;
using RefTrack.Infrastructure;
using RefTrack.Links;
using RefTrack.Participants;

namespace RefTrack.Referrals;

/// <summary>A recorded click, as attribution sees it. <paramref name="CodeDisabled"/> is the code's state now:
/// disabling a code (a banned referrer, a leaked code) also stops its earlier clicks from attributing.
/// <paramref name="IsBot"/>: the redirect took its user agent for automated (<see cref="BotDetector"/>); such a click
/// never attributes, or a script could mint click ids from anyone's link for the signups it makes.</summary>
public sealed record ClickEvidence(
    Guid ClickId, Guid CampaignId, Guid ReferrerId, string? ReferrerEmail, string Code, DateTime OccurredAt,
    bool CodeDisabled = false, bool IsBot = false);

/// <summary>A referral code the company passed at signup, as attribution sees it.</summary>
public sealed record CodeEvidence(Guid CampaignId, Guid ReferrerId, string? ReferrerEmail, string Code, bool IsDisabled);

/// <summary>Everything the decision needs; gathering it is the caller's job, deciding is <see cref="Attribution"/>'s.</summary>
public sealed record AttributionInput(
    Guid CampaignId,
    int WindowDays,
    AttributionModel Model,
    DateTime Now,
    Guid ParticipantId,
    string? ParticipantEmail,
    bool ClickIdGiven,
    ClickEvidence? Click,
    IReadOnlyList<ClickEvidence> SameDeviceClicks,
    bool CodeGiven,
    CodeEvidence? Code);

public enum AttributionOutcome
{
    /// <summary>No click id or code was given.</summary>
    None,
    Attributed,
    Rejected,
}

/// <summary>
/// The decision and its reason. <see cref="ReferrerId"/> is set when attributed, and also when rejected as a
/// self-referral (so the attempt can be recorded and reviewed).
/// </summary>
public sealed record AttributionDecision(
    AttributionOutcome Outcome,
    string? Reason,
    Guid? ReferrerId = null,
    ReferralSource Source = ReferralSource.Click,
    Guid? ClickId = null,
    string? Code = null,
    DateTime? ClickedAt = null);

public static class AttributionReasons
{
    public const string FirstClick = "first_click";
    public const string LastClick = "last_click";
    public const string ReferralCode = "referral_code";
    public const string SelfReferral = "self_referral";
    public const string UnknownClick = "unknown_click";
    public const string ClickFromOtherCampaign = "click_from_other_campaign";
    public const string ClickExpired = "click_expired";
    public const string UnknownCode = "unknown_code";
    public const string CodeFromOtherCampaign = "code_from_other_campaign";
    public const string CodeDisabled = "code_disabled";
    public const string BotClick = "bot_click";
}

/// <summary>
/// Decides who referred a new participant. Clicks are ordered by time; a code typed at signup counts as a touch
/// at signup time, so it wins under <c>lastClick</c> and only fills in under <c>firstClick</c>.
/// </summary>
public static class Attribution
{
    public static AttributionDecision Decide(AttributionInput input)
    {
        var (click, clickRefusal) = ClickCandidate(input);
        var (code, codeRefusal) = CodeCandidate(input);

        var winner = input.Model == AttributionModel.LastClick ? code ?? click : click ?? code;
        if (winner is not null)
        {
            return winner;
        }

        // Nothing usable. A self-referral attempt is the refusal worth recording; otherwise report the click's
        // problem first (it is the stronger evidence), then the code's.
        var refusals = new[] { clickRefusal, codeRefusal }.Where(r => r is not null).ToList();
        if (refusals.Count == 0)
        {
            return new AttributionDecision(AttributionOutcome.None, null);
        }

        return refusals.FirstOrDefault(r => r!.Reason == AttributionReasons.SelfReferral) ?? refusals[0]!;
    }

    private static (AttributionDecision? Winner, AttributionDecision? Refusal) ClickCandidate(AttributionInput input)
    {
        if (!input.ClickIdGiven)
        {
            return (null, null);
        }

        if (input.Click is null)
        {
            return (null, Rejected(AttributionReasons.UnknownClick));
        }

        // One rt_click cookie serves every campaign, so the named click may be another campaign's (the browser's
        // latest): it is left out below like an expired one, and the device's clicks in this campaign still decide.
        var otherCampaign = input.Click.CampaignId != input.CampaignId;

        // The window ends a little after now: a click stamped by a node whose clock runs slightly ahead is recent,
        // not from the future (the same tolerance the signup waits for such a click with). Later than that it is.
        var windowStart = WindowStart(input.Now, input.WindowDays);
        var windowEnd = input.Now + ClickIds.MaxClockSkew;
        var inWindow = input.SameDeviceClicks.Append(input.Click)
            .Where(c => c.CampaignId == input.CampaignId && c.OccurredAt >= windowStart && c.OccurredAt <= windowEnd)
            .DistinctBy(c => c.ClickId)
            .ToList();
        if (inWindow.Count == 0)
        {
            return (null, Rejected(otherCampaign ? AttributionReasons.ClickFromOtherCampaign : AttributionReasons.ClickExpired));
        }

        var others = inWindow
            .Where(c => !c.CodeDisabled && !c.IsBot && !IsSelf(input, c.ReferrerId, c.ReferrerEmail)).ToList();
        if (others.Count == 0)
        {
            // One's own click first, on a disabled code or counted as a bot or not: the attempt is what is recorded
            // for review (a usable one of them preferred); then the codes' state, then the bots'.
            if (inWindow.Where(c => IsSelf(input, c.ReferrerId, c.ReferrerEmail))
                    .OrderBy(c => c.CodeDisabled || c.IsBot).FirstOrDefault() is { } self)
            {
                return (null, Rejected(
                    AttributionReasons.SelfReferral, self.ReferrerId, self.Code, self.ClickId, self.OccurredAt));
            }

            return (null, Rejected(
                inWindow.All(c => c.CodeDisabled) ? AttributionReasons.CodeDisabled : AttributionReasons.BotClick));
        }

        var lastClick = input.Model == AttributionModel.LastClick;
        var chosen = lastClick ? others.MaxBy(c => c.OccurredAt)! : others.MinBy(c => c.OccurredAt)!;
        return (new AttributionDecision(
            AttributionOutcome.Attributed,
            lastClick ? AttributionReasons.LastClick : AttributionReasons.FirstClick,
            chosen.ReferrerId, ReferralSource.Click, chosen.ClickId, chosen.Code, chosen.OccurredAt), null);
    }

    private static (AttributionDecision? Winner, AttributionDecision? Refusal) CodeCandidate(AttributionInput input)
    {
        if (!input.CodeGiven)
        {
            return (null, null);
        }

        var code = input.Code;
        if (code is null)
        {
            return (null, Rejected(AttributionReasons.UnknownCode));
        }

        if (code.CampaignId != input.CampaignId)
        {
            return (null, Rejected(AttributionReasons.CodeFromOtherCampaign));
        }

        // One's own code first, disabled or not: the attempt is what is recorded for review.
        if (IsSelf(input, code.ReferrerId, code.ReferrerEmail))
        {
            return (null, Rejected(AttributionReasons.SelfReferral, code.ReferrerId, code.Code, source: ReferralSource.Code));
        }

        if (code.IsDisabled)
        {
            return (null, Rejected(AttributionReasons.CodeDisabled));
        }

        return (new AttributionDecision(AttributionOutcome.Attributed, AttributionReasons.ReferralCode,
            code.ReferrerId, ReferralSource.Code, null, code.Code), null);
    }

    /// <summary>The earliest click time a signup at <paramref name="now"/> may be attributed to, in whole
    /// microseconds, down: PostgreSQL keeps a click's time to the microsecond, so a click exactly at the window's start
    /// (to the clock's 100 ns tick) would read back a little earlier than an unrounded start and be refused there
    /// alone; SQLite keeps every tick. So both answer alike.</summary>
    public static DateTime WindowStart(DateTime now, int windowDays) => MicrosecondClock.Truncate(now.AddDays(-windowDays));

    private static bool IsSelf(AttributionInput input, Guid referrerId, string? referrerEmail) =>
        referrerId == input.ParticipantId ||
        (input.ParticipantEmail is not null && input.ParticipantEmail == EmailNormalizer.Stored(referrerEmail));

    private static AttributionDecision Rejected(
        string reason, Guid? referrerId = null, string? code = null, Guid? clickId = null, DateTime? clickedAt = null,
        ReferralSource source = ReferralSource.Click) =>
        new(AttributionOutcome.Rejected, reason, referrerId, source, clickId, code, clickedAt);
}
