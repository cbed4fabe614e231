using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
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

    public TestDatabase Database { get; }

    /// <summary>Settings for a click writer that writes every click in a batch of its own, with
    /// <paramref name="writers"/> batches at once (PostgreSQL) and no interval between batches.</summary>
    public static Dictionary<string, string?> ClickBatchesOfOne(int writers) => new()
    {
        ["RefTrack:Links:ClickBatchSize"] = "1",
        ["RefTrack:Links:ClickWriters"] = writers.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RefTrack:Links:ClickBatchMilliseconds"] = "0",
    };

    public TestClock Clock { get; } = new();

    /// <summary>The peer address requests arrive from (TestServer has none): e.g. a load balancer's.</summary>
    public System.Net.IPAddress? RemoteAddress { get; init; }

    /// <summary>The host's environment; tests run in Development (the factory's default, which also validates the
    /// service registrations), where the framework's developer exception page answers any exception that gets past
    /// RefTrack's own handling. A test of what a deployment answers then sets <c>Production</c>.</summary>
    public string? EnvironmentName { get; init; }

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
            if (RemoteAddress is { } address)
            {
                services.AddTransient<IStartupFilter>(_ => new RemoteAddressFilter(address));
            }
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
