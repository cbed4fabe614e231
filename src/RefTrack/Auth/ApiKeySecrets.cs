using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace RefTrack.Auth;

/// <summary>
/// Key material. Secrets carry 256 random bits, so a single SHA-256 is enough at rest: there is nothing to
/// brute-force that a slow hash would protect.
/// </summary>
public static class ApiKeySecrets
{
    public const string SecretPrefix = "rt_";

    public static string NewSecret() => SecretPrefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    /// <summary>
    /// The start of a secret shown in key lists, to tell keys apart: 10 characters of a generated key (7 of its 43
    /// random ones), but never more than a quarter of the secret, since a configured bootstrap key may be as short as
    /// 24 characters and need not be random.
    /// </summary>
    public static string DisplayPrefix(string secret) => secret[..Math.Min(secret.Length, Math.Clamp(secret.Length / 4, 3, 10))];
}
