using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using RefTrack.Data;
using RefTrack.Infrastructure;

namespace RefTrack.Links;

/// <summary>
/// Keyed hashes of visitor data. The key lives in the database (shared by every node, created on first start), so
/// a raw IP is never stored and the same visitor hashes the same on every node.
/// </summary>
public sealed class ClickHasher
{
    internal const string SettingKey = "click-hash-key";
    private byte[]? _key;

    public string HashIp(string ip) => Hash("ip:" + ip);

    /// <summary>A visitor without a device cookie is recognised by address and browser.</summary>
    public string Fingerprint(string ipHash, string? userAgent) => Hash($"fp:{ipHash}:{userAgent}");

    private string Hash(string value) => Convert.ToHexStringLower(
        HMACSHA256.HashData(_key ?? throw new InvalidOperationException("ClickHasher not initialised."),
            Encoding.UTF8.GetBytes(value)))[..32];

    internal async Task InitialiseAsync(AppDbContext db, CancellationToken ct)
    {
        var candidate = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        db.InstanceSettings.Add(new InstanceSetting { Key = SettingKey, Value = candidate });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
        {
            db.ChangeTracker.Clear(); // Already there (an earlier start, or another node just now): use that one.
        }

        var stored = await db.InstanceSettings.AsNoTracking().SingleAsync(s => s.Key == SettingKey, ct);
        _key = Convert.FromBase64String(stored.Value);
    }
}
