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

    public static string DisplayPrefix(string secret) => secret.Length <= 10 ? secret[..3] : secret[..10];
}
