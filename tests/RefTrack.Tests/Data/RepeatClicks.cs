using RefTrack.Links;

namespace RefTrack.Tests.Data;

/// <summary>
/// Which clicks each provider's <see cref="IClickStatements.MarkRepeatsAsync"/> must mark repeats: one case, run by
/// each provider's tests, so the two implementations (row by row on SQLite, one statement and the returned keys on
/// PostgreSQL) are held to the same answers.
/// </summary>
internal static class RepeatClicks
{
    /// <param name="markRepeats">Runs the statement on one batch in its own committed transaction.</param>
    /// <param name="countKeys">The visitor keys stored for a campaign and code.</param>
    public static async Task AssertFirstClickWinsAsync(
        Func<IReadOnlyList<PendingClick>, Task> markRepeats, Func<Guid, Guid, Task<int>> countKeys)
    {
        var campaign = Guid.CreateVersion7();
        var code = Guid.CreateVersion7();
        var otherCode = Guid.CreateVersion7();

        var first = new[]
        {
            Visit(campaign, code, "d:a", "f:b"),
            // A new cookie from an address + browser the first click had: the same visitor.
            Visit(campaign, code, "d:x", "f:b"),
            Visit(campaign, code, "d:a", null),
            // The same keys on another code: a first visit there.
            Visit(campaign, otherCode, "d:a", "f:b"),
        };
        await markRepeats(first);
        Assert.Equal([false, true, true, false], first.Select(p => p.Click.IsRepeat));

        var second = new[]
        {
            Visit(campaign, code, "d:a", null),
            Visit(campaign, code, "d:c", null),
            // Written by the repeat above, whose other key was known: a repeat's keys are stored too.
            Visit(campaign, code, "d:x", null),
            Visit(campaign, code, "d:c", "f:new"),
            // An address + browser first written by the repeat just before.
            Visit(campaign, code, "d:y", "f:new"),
        };
        await markRepeats(second);
        Assert.Equal([true, false, true, true, true], second.Select(p => p.Click.IsRepeat));

        Assert.Equal(6, await countKeys(campaign, code));
        Assert.Equal(2, await countKeys(campaign, otherCode));
    }

    /// <summary>A click on a code with its visitor keys, as the redirect hands it to the click writer.</summary>
    public static PendingClick Visit(Guid campaign, Guid code, string deviceKey, string? fingerprintKey)
    {
        var sample = SampleClicks.New("agent", false, isRepeat: false);
        var click = new Click
        {
            Id = sample.Id,
            CampaignId = campaign,
            ReferralCodeId = code,
            ParticipantId = sample.ParticipantId,
            OccurredAt = sample.OccurredAt,
            IpHash = sample.IpHash,
            UserAgent = sample.UserAgent,
            DeviceId = sample.DeviceId,
        };
        return new PendingClick(click, deviceKey, fingerprintKey);
    }
}
