// How long one keyed HMAC-SHA256 takes the ways RefTrack can compute it (src/RefTrack/Infrastructure/KeyedHmac.cs):
// OpenSSL called directly (OpenSslMac), .NET's IncrementalHash behind the same class (its fallback), and
// IncrementalHash used on its own, as ClickHasher did before. On the two messages a redirect hashes: a connection's
// address, and the address hash with a browser's user agent. Prints nanoseconds a hash, per round, and each form's
// median.
using System.Security.Cryptography;
using System.Text;
using RefTrack.Bench;
using RefTrack.Infrastructure;

const int Hashes = 1_000_000;
const int Rounds = 6;

var key = RandomNumberGenerator.GetBytes(32);
var messages = new (string Name, byte[] Bytes)[]
{
    ("address", Encoding.UTF8.GetBytes("ip:127.0.0.1")),
    ("address and browser", Encoding.UTF8.GetBytes(
        "fp:0123456789abcdef0123456789abcdef:Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) " +
        "Chrome/131.0.0.0 Safari/537.36")),
};
var direct = new KeyedHmac(key);
if (!direct.Direct)
{
    Console.Error.WriteLine("OpenSSL cannot be called directly here: the KeyedHmac direct forms below are .NET's HMAC too.");
}

var fallback = new KeyedHmac(key, direct: false);
var incremental = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
var mac = new byte[32];
var forms = new List<(string Name, Action Call)>();
foreach (var (name, bytes) in messages)
{
    forms.Add(($"{name}, KeyedHmac direct", () => direct.Compute(bytes, mac)));
    forms.Add(($"{name}, KeyedHmac .NET", () => fallback.Compute(bytes, mac)));
    forms.Add(($"{name}, IncrementalHash", () =>
    {
        incremental.AppendData(bytes);
        incremental.GetHashAndReset(mac);
    }));
}

InterleavedRounds.Run(forms, Hashes, Rounds, "hashes", $"{InterleavedRounds.Machine()}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
