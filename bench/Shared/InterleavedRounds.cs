// Shared by the micro-benchmarks (bench/RefTrack.Bench.BindText, bench/RefTrack.Bench.Hmac), each of which links it.
using System.Diagnostics;
using System.Globalization;

namespace RefTrack.Bench;

/// <summary>
/// Times each form of an operation in rounds, the forms interleaved within a round so that a slower stretch of the
/// machine falls on all of them; the first round warms up (tiered compilation) and is left out. Prints nanoseconds a
/// call, per round, and each form's median.
/// </summary>
internal static class InterleavedRounds
{
    public static void Run(IReadOnlyList<(string Name, Action Call)> forms, int calls, int rounds, string unit, string machine)
    {
        Console.WriteLine($"{machine}; {calls:N0} {unit} a form a round, {rounds} rounds (the first a warm-up, left out of the medians), forms interleaved");
        var results = forms.Select(_ => new List<double>()).ToArray();
        for (var round = 0; round < rounds; round++)
        {
            for (var f = 0; f < forms.Count; f++)
            {
                var call = forms[f].Call;
                var clock = Stopwatch.StartNew();
                for (var i = 0; i < calls; i++)
                {
                    call();
                }

                results[f].Add(clock.Elapsed.TotalNanoseconds / calls);
            }
        }

        var width = forms.Max(f => f.Name.Length);
        for (var f = 0; f < forms.Count; f++)
        {
            var measured = results[f].Skip(1).ToList();
            Console.WriteLine($"{forms[f].Name.PadRight(width)} median {Median(measured),7:F1} ns   rounds: {string.Join(" ", measured.Select(r => r.ToString("F1", CultureInfo.InvariantCulture)))}");
        }
    }

    /// <summary>The CPU's model, the cores and the .NET runtime.</summary>
    public static string Machine()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return $"{cpu ?? "unknown CPU"}, {Environment.ProcessorCount} cores, .NET {Environment.Version}";
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
