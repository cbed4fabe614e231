using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RefTrack.Data;
using RefTrack.Links;
using RefTrack.Tests.Infrastructure;

namespace RefTrack.Tests.Integration;

/// <summary>Clicks handed to a click writer directly, as the redirect would, for tests that drive a writer.</summary>
public static class PendingClicks
{
    /// <summary>A click of <paramref name="code"/>'s referrer, now, from <paramref name="device"/> (a new device by
    /// default); with <paramref name="id"/>, under that id (a written click's, to have the row refused).</summary>
    public static async Task<PendingClick> PendingClickAsync(
        this TestApp app, string code, Guid? id = null, string? device = null)
    {
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var referralCode = await db.ReferralCodes.SingleAsync(c => c.Code == ReferralCode.Normalize(code));
        device ??= Guid.NewGuid().ToString("N");
        var click = new Click
        {
            Id = id ?? Guid.CreateVersion7(),
            CampaignId = referralCode.CampaignId,
            ReferralCodeId = referralCode.Id,
            ParticipantId = referralCode.ParticipantId,
            OccurredAt = app.Clock.GetUtcNow().UtcDateTime,
            IpHash = "test",
            DeviceId = device,
        };
        return new PendingClick(click, "d:" + device, FingerprintKey: null);
    }
}
