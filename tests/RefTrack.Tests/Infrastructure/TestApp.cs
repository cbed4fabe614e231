using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RefTrack.Links;

namespace RefTrack.Tests.Infrastructure;

/// <summary>
/// One RefTrack instance with its own database (<see cref="TestDatabase"/>): tests never share data.
/// The clock is a <see cref="TestClock"/>; the first admin key is <see cref="AdminKey"/>.
/// </summary>
public sealed class TestApp : WebApplicationFactory<Program>
{
    public const string AdminKey = "rt_test_admin_key_0123456789abcdefghijkl";

    private readonly Dictionary<string, string?> _settings;
    private readonly HostStartFailureLog _startFailureLog = new();

    public TestApp(IDictionary<string, string?>? settings = null)
        : this(Provider.Sqlite, settings)
    {
    }

    public TestApp(Provider provider, IDictionary<string, string?>? settings = null)
    {
        Database = TestDatabase.Create(provider);
        _settings = new Dictionary<string, string?>(Database.Settings)
        {
            ["RefTrack:Auth:BootstrapApiKey"] = AdminKey,
            ["RefTrack:PublicBaseUrl"] = "https://refer.example.com",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                _settings.Remove(key); // Null: not set at all (UseSetting would set it to an empty string).
            }
            else
            {
                _settings[key] = value;
            }
        }
    }

    /// <summary>With settings made from the test's database (its connection string with something added, say).</summary>
    public TestApp(Provider provider, Func<TestDatabase, IDictionary<string, string?>> settings)
        : this(provider)
    {
        foreach (var (key, value) in settings(Database))
        {
            _settings[key] = value;
        }
    }

    public TestDatabase Database { get; }

    /// <summary>Settings for a click writer that writes every click in a batch of its own, with
    /// <paramref name="writers"/> batches at once (PostgreSQL) and no interval between batches.</summary>
    public static Dictionary<string, string?> ClickBatchesOfOne(int writers) => new()
    {
        ["RefTrack:Links:ClickBatchSize"] = "1",
        ["RefTrack:Links:ClickWriters"] = writers.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RefTrack:Links:ClickBatchMilliseconds"] = "0",
    };

    /// <summary><see cref="ClickBatchesOfOne"/> with no idle write of SQLite's per-referrer sums during a test (the
    /// writer's idle time a minute): the batches keep their sums until a flush that writes them or the writer stops,
    /// and no commit of the writer's own comes between a test's steps (a new writer's first idle write, about 100 ms
    /// after the start, also asks for a checkpoint).</summary>
    public static Dictionary<string, string?> ClickBatchesOfOneWithoutIdleWrites(int writers)
    {
        var settings = ClickBatchesOfOne(writers);
        settings["RefTrack:Links:ClickRollupIdleMilliseconds"] = "60000";
        return settings;
    }

    public TestClock Clock { get; } = new();

    /// <summary>The peer address requests arrive from (TestServer has none): e.g. a load balancer's.</summary>
    public System.Net.IPAddress? RemoteAddress { get; init; }

    /// <summary>The host's environment; tests run in Development (the factory's default, which also validates the
    /// service registrations), where the framework's developer exception page answers any exception that gets past
    /// RefTrack's own handling. A test of what a deployment answers then sets <c>Production</c>.</summary>
    public string? EnvironmentName { get; init; }

    /// <summary>More test services, added after the app's own (a logger provider that records, say).</summary>
    public Action<IServiceCollection>? TestServices { get; init; }

    public string DatabasePath => Database.SqlitePath ?? throw new InvalidOperationException("Not a SQLite test.");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (EnvironmentName is { } environment)
        {
            builder.UseEnvironment(environment);
        }

        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Clock);
            services.AddSingleton<ILoggerProvider>(_startFailureLog);
            if (RemoteAddress is { } address)
            {
                services.AddTransient<IStartupFilter>(_ => new RemoteAddressFilter(address));
            }

            TestServices?.Invoke(services);
        });
    }

    /// <summary>A client that sends <paramref name="apiKey"/> (the admin key by default) and follows no redirects.</summary>
    public HttpClient Client(string? apiKey = AdminKey)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        return client;
    }

    /// <summary>
    /// Starts the app, which must fail to start, and returns the failure that stopped it. Not simply what starting
    /// throws: RefTrack's Main starts the host itself (app.Run), and when that start fails, Run disposes the host.
    /// WebApplicationFactory waits for the start through the host's services (its DeferredHost.StartAsync resolves
    /// IHostApplicationLifetime), so when Main gets there first, as on a busy machine, starting throws
    /// ObjectDisposedException, not the failure. The host logs the failure before it is disposed: taken from there.
    /// </summary>
    public Exception StartFailure()
    {
        var failure = Record.Exception(() => _ = Server);
        Assert.NotNull(failure);
        return failure is ObjectDisposedException && _startFailureLog.Failure is { } logged ? logged : failure;
    }

    /// <summary>Waits until every click redirected so far is committed (the click writer batches) and counted in
    /// every report (SQLite's click writer may hold per-referrer sums until it is idle).</summary>
    public Task FlushClicksAsync() =>
        Services.GetRequiredService<ClickWriter>().FlushAsync(writeSums: true, CancellationToken.None);

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Database.Dispose();
        }
    }

    /// <summary>Keeps the exception the host logs when its start fails ("Hosting failed to start").</summary>
    private sealed class HostStartFailureLog : ILoggerProvider, ILogger
    {
        private volatile Exception? _failure;

        public Exception? Failure => _failure;

        public ILogger CreateLogger(string categoryName) =>
            categoryName == "Microsoft.Extensions.Hosting.Internal.Host" ? this : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Error && exception is not null)
            {
                _failure ??= exception;
            }
        }

        public void Dispose()
        {
        }
    }

    /// <summary>Runs before the app's own pipeline, as the network would.</summary>
    private sealed class RemoteAddressFilter(System.Net.IPAddress address) : IStartupFilter
    {
        public Action<Microsoft.AspNetCore.Builder.IApplicationBuilder> Configure(
            Action<Microsoft.AspNetCore.Builder.IApplicationBuilder> next) => app =>
        {
            app.Use(nextMiddleware => context =>
            {
                context.Connection.RemoteIpAddress = address;
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
