using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace RefTrack.Tests.Infrastructure;

/// <summary>Every measurement of the app's own meters (not another test app's: they share the process).</summary>
public sealed class AppMetrics : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, double> _sums = new();
    private readonly ConcurrentDictionary<string, double> _last = new();

    public AppMetrics(TestApp app)
    {
        var scope = app.Services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Scope == scope)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, value, _, _) => Record(i, value));
        _listener.SetMeasurementEventCallback<int>((i, value, _, _) => Record(i, value));
        _listener.SetMeasurementEventCallback<double>((i, value, _, _) => Record(i, value));
        _listener.Start();
    }

    public double Sum(string name) => _sums.GetValueOrDefault(name);

    public double Gauge(string name)
    {
        _listener.RecordObservableInstruments();
        return _last[name];
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value)
    {
        _sums.AddOrUpdate(instrument.Name, value, (_, sum) => sum + value);
        _last[instrument.Name] = value;
    }
}
