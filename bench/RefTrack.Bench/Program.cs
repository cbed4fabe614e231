// RefTrack's benchmark harness. Entry point: bench/run (installs wrk, starts PostgreSQL, runs this in Release).
// For each provider and scenario: a fresh (or, for the big dataset, shared) database, RefTrack started on it once to
// create the schema and the campaign, raw rows seeded with SQL, RefTrack started again and driven by wrk over
// loopback next to its ceiling, stopped with SIGTERM, and the database checked. One markdown table at the end
// (Harness).
using System.Globalization;
using RefTrack.Bench;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync(e.Message);
    return 2;
}

var harness = new Harness(options);
return await harness.RunAsync();
