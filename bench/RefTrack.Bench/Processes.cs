using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace RefTrack.Bench;

/// <summary>A server the harness started (RefTrack or the ceiling app): output to a log file, SIGTERM to stop.</summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private long _peakKb;

    private ServiceProcess(string name, Process process, StreamWriter log, string logFile)
    {
        Name = name;
        _process = process;
        _log = log;
        LogFile = logFile;
    }

    public string Name { get; }

    public string LogFile { get; }

    public int Pid => _process.Id;

    public static async Task<ServiceProcess> StartAsync(
        string name, string executable, string workingDirectory, IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string> environment, string logFile, Uri healthUrl)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(logFile)!);
        var info = new ProcessStartInfo(executable)
        {
            // The content root is the working directory: the published appsettings.json applies, as in a deployment.
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var log = new StreamWriter(logFile, append: true, Encoding.UTF8) { AutoFlush = true };
        await log.WriteLineAsync($"=== {DateTime.UtcNow:O} start {name}: {executable} {string.Join(' ', arguments)}");
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var service = new ServiceProcess(name, process, log, logFile);
        await service.WaitHealthyAsync(healthUrl);
        return service;
    }

    /// <summary>Peak resident set size so far (VmHWM), in KiB; 0 once the process is gone.</summary>
    public long PeakRssKb()
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    var kb = long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                    _peakKb = Math.Max(_peakKb, kb);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return _peakKb;
    }

    /// <summary>SIGTERM (a graceful stop: RefTrack drains its click queue), then waits for the exit.</summary>
    public async Task<(int ExitCode, TimeSpan Took)> StopAsync(TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        if (_process.HasExited)
        {
            return (_process.ExitCode, TimeSpan.Zero);
        }

        PeakRssKb();
        using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", Pid.ToString(CultureInfo.InvariantCulture)])))
        {
            await kill!.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(timeout);
        while (!_process.HasExited && !cts.IsCancellationRequested)
        {
            PeakRssKb(); // the drain may still grow it
            await Task.Delay(100, CancellationToken.None);
        }

        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
            throw new InvalidOperationException($"{Name} did not stop within {timeout.TotalSeconds:F0} s of SIGTERM (killed); see {LogFile}");
        }

        await _process.WaitForExitAsync(CancellationToken.None); // flushes the redirected output
        return (_process.ExitCode, watch.Elapsed);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }

        _process.Dispose();
        await _log.DisposeAsync();
    }

    private async Task WaitHealthyAsync(Uri url)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} while starting; see {LogFile}:\n{Tail(LogFile)}");
            }

            try
            {
                using var response = await http.GetAsync(url);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"{Name} did not answer {url} within 5 minutes; see {LogFile}");
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.WriteLine(line);
        }
    }

    public static string Tail(string file, int lines = 30) =>
        File.Exists(file) ? string.Join('\n', File.ReadLines(file).TakeLast(lines)) : "";
}

/// <summary>Short-lived commands (dotnet publish, wrk): output captured, non-zero exit is an error.</summary>
public static class Shell
{
    public static async Task<string> RunAsync(string executable, IEnumerable<string> arguments, string? workingDirectory = null,
        string? logFile = null, bool check = true)
    {
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Directory.GetCurrentDirectory(),
        };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {executable}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var output = await stdout + await stderr;
        if (logFile is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(logFile)!);
            await File.AppendAllTextAsync(logFile,
                $"=== {DateTime.UtcNow:O} {executable} {string.Join(' ', info.ArgumentList)}\n{output}\n");
        }

        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{executable} {string.Join(' ', info.ArgumentList)} exited with {process.ExitCode}:\n{output}");
        }

        return output;
    }

    public static bool OnPath(string executable) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
        .Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, executable)));
}
