// How long one keyed HMAC-SHA256 takes the ways RefTrack can compute it (src/RefTrack/Infrastructure/KeyedHmac.cs):
// OpenSSL called directly (OpenSslMac), .NET's IncrementalHash behind the same class (its fallback), and
// IncrementalHash used on its own, as ClickHasher did before. On the two messages a redirect hashes: a connection's
// address, and the address hash with a browser's user agent. Prints nanoseconds a hash, per round, and each form's
// median.
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
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
    Console.Error.WriteLine("OpenSSL cannot be called directly here: the first form below is .NET's HMAC too.");
}

var fallback = new KeyedHmac(key, direct: false);
var incremental = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
var mac = new byte[32];
var forms = new List<(string Name, Action Hash)>();
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

Console.WriteLine($"{RuntimeInfo()}; {Hashes:N0} hashes a form a round, {Rounds} rounds (the first a warm-up, left out of the medians), forms interleaved");
var results = forms.Select(_ => new List<double>()).ToArray();
for (var round = 0; round < Rounds; round++)
{
    for (var f = 0; f < forms.Count; f++)
    {
        var hash = forms[f].Hash;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < Hashes; i++)
        {
            hash();
        }

        results[f].Add(clock.Elapsed.TotalNanoseconds / Hashes);
    }
}

for (var f = 0; f < forms.Count; f++)
{
    var rounds = results[f].Skip(1).ToList(); // The first round warms up (tiered compilation).
    Console.WriteLine($"{forms[f].Name,-40} median {Median(rounds),7:F1} ns   rounds: {string.Join(" ", rounds.Select(r => r.ToString("F1", CultureInfo.InvariantCulture)))}");
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

static string RuntimeInfo()
{
    var cpu = File.Exists("/proc/cpuinfo")
        ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
        : null;
    return $"{cpu ?? "unknown CPU"}, {Environment.ProcessorCount} cores, .NET {Environment.Version}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}";
}
