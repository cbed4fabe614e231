// What RefTrack allocates under a benchmark scenario, by type: bench/profile --allocations records the runtime's
// GCAllocationTick events (one about every 100 KB allocated, naming the type of the object that crossed the mark and
// the bytes since the previous event) and this sums them.
//   dotnet run --project bench/RefTrack.Bench.Allocations -- TRACE.nettrace [REQUESTS]
// With REQUESTS (those served while the trace ran) it prints the bytes allocated per request. The events sample:
// a type's share is of the bytes the events counted, which is close to its share of all bytes over many events,
// and an object type allocated rarely may be missing.
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

if (args.Length is < 1 or > 2)
{
    Console.Error.WriteLine("usage: RefTrack.Bench.Allocations TRACE.nettrace [REQUESTS]");
    return 2;
}

var byType = new Dictionary<string, long>();
long total = 0;
using (var source = new EventPipeEventSource(args[0]))
{
    source.Clr.GCAllocationTick += (GCAllocationTickTraceData e) =>
    {
        var type = e.TypeName ?? "?";
        byType[type] = byType.GetValueOrDefault(type) + e.AllocationAmount64;
        total += e.AllocationAmount64;
    };
    source.Process();
}

if (total == 0)
{
    Console.Error.WriteLine("no allocation events in the trace");
    return 1;
}

Console.WriteLine($"allocated: {total / 1e6:N0} MB" +
                  (args.Length == 2 ? $", {total / double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture):N0} bytes a request" : ""));
Console.WriteLine("by type (the type of the object at each ~100 KB mark):");
foreach (var (type, bytes) in byType.OrderByDescending(p => p.Value).Take(25))
{
    Console.WriteLine($"  {100.0 * bytes / total,5:F1}%  {type}");
}

return 0;
