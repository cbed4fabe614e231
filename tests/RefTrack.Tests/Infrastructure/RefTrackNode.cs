using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace RefTrack.Tests.Infrastructure;

/// <summary>
/// A real RefTrack process (the built RefTrack.dll) on its own loopback port: what an operator runs behind a load
/// balancer. Used to prove that guarantees hold across nodes, not only across threads of one process.
/// </summary>
public sealed partial class RefTrackNode : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    /// <summary>Completed with the address Kestrel reports once it listens.</summary>
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private int _listeningSeen; // 1 once a "Now listening on" line has been read (standard output and error race).

    private RefTrackNode(Process process)
    {
        _process = process;
        LogPath = Path.Combine(Path.GetTempPath(), $"reftrack-node-{process.Id}.log");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The Unix socket the node listens on (<c>--urls http://unix:/path</c>), reached by <see cref="Client"/>
    /// as a proxy on the machine would; null on TCP.</summary>
    public string? SocketPath { get; private set; }

    /// <summary>Everything the process printed, also kept in this file for a failed run's post-mortem.</summary>
    public string LogPath { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>A node on <paramref name="database"/>, with the test admin key, logging warnings and worse.</summary>
    public static Dictionary<string, string?> Settings(TestDatabase database) =>
        new(database.Settings)
        {
            ["RefTrack:Auth:BootstrapApiKey"] = TestApp.AdminKey,
            ["Logging:LogLevel:Default"] = "Warning",
        };

    /// <param name="settings">Configuration, passed as environment variables (<c>:</c> as <c>__</c>).</param>
    /// <param name="urls">The <c>--urls</c> argument; null: none, so that the settings or the default decide.</param>
    public static async Task<RefTrackNode> StartAsync(
        IReadOnlyDictionary<string, string?> settings, string? urls = "http://127.0.0.1:0")
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "RefTrack.dll"));
        // Port 0: the node binds whatever port is free and says which. A port picked here and handed over would be
        // free only until another test's node, started at the same moment, picked it too; the loser then fails to
        // bind while the winner answers its health probe.
        if (urls is not null)
        {
            start.ArgumentList.Add("--urls");
            start.ArgumentList.Add(urls);
        }

        start.Environment.Remove("ASPNETCORE_URLS");
        start.Environment.Remove("ASPNETCORE_HTTP_PORTS");
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information"; // "Now listening on: …"

        var node = new RefTrackNode(Process.Start(start)!);
        try
        {
            await node.WaitUntilHealthyAsync(TimeSpan.FromSeconds(60));
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    private async Task WaitUntilHealthyAsync(TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        var exited = _process.WaitForExitAsync();
        if (await Task.WhenAny(_listening.Task, exited, Task.Delay(limit)) != _listening.Task)
        {
            throw Failure("did not start listening");
        }

        BaseAddress = await _listening.Task;
        using var probe = new HttpClient(Handler()) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            try
            {
                if ((await probe.GetAsync("/healthz")).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not serving yet.
            }
            catch (TaskCanceledException)
            {
                // Still starting.
            }

            await Task.Delay(100);
        }

        throw Failure("did not become healthy");
    }

    private Exception Failure(string what) => _process.HasExited
        ? new InvalidOperationException($"RefTrack exited with {_process.ExitCode}:\n{Output}")
        : new TimeoutException($"RefTrack {what}:\n{Output}");

    /// <summary>A client of the node, with <paramref name="apiKey"/> as its bearer token if given; redirects and
    /// cookies are left to the test.</summary>
    public HttpClient Client(string? apiKey = null)
    {
        var client = new HttpClient(Handler()) { BaseAddress = BaseAddress };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        return client;
    }

    /// <summary>Over TCP, or over the node's Unix socket when it listens on one.</summary>
    private SocketsHttpHandler Handler()
    {
        var handler = new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false };
        if (SocketPath is { } path)
        {
            handler.ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }

        return handler;
    }

    /// <summary>SIGTERM and wait: the graceful stop an orchestrator sends (drains the click queue).</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
            File.AppendAllText(LogPath, line + Environment.NewLine);
        }

        // The first address Kestrel reports is the one the tests use (with several --urls, it reports each).
        if (ListeningOn().Match(line) is { Success: true } listening && Interlocked.Exchange(ref _listeningSeen, 1) == 0)
        {
            // A Unix socket (http://unix:/path): requests name no real host; the connection is made to the path.
            if (listening.Groups[1].Value.StartsWith("http://unix:", StringComparison.Ordinal))
            {
                SocketPath = listening.Groups[1].Value["http://unix:".Length..];
                _listening.TrySetResult(new Uri("http://localhost"));
                return;
            }

            // Listening on every address ([::] or 0.0.0.0, e.g. from ASPNETCORE_HTTP_PORTS): reach it over loopback.
            var address = new UriBuilder(listening.Groups[1].Value);
            if (address.Host is "[::]" or "0.0.0.0")
            {
                address.Host = "127.0.0.1";
            }

            _listening.TrySetResult(address.Uri);
        }
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningOn();
}
