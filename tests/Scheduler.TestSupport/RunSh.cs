using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Scheduler.TestSupport;

/// <summary>
/// The repository's ./run.sh as a child process, started with the given settings, its output kept for
/// diagnostics. Every process it starts inherits SCHEDULER_CLUSTER_ID, which is how the test finds
/// (and, on failure, kills) whatever might outlive it.
/// </summary>
public sealed class RunSh : IAsyncDisposable
{
    private const string UpLine = "Scheduler is up:";

    private readonly Process _process;
    private readonly string _clusterId;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _up = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private RunSh(Process process, string clusterId)
    {
        _process = process;
        _clusterId = clusterId;
    }

    /// <summary>Everything run.sh and its processes wrote so far, stdout and stderr interleaved.</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static RunSh Start(IReadOnlyDictionary<string, string> environment)
    {
        var startInfo = new ProcessStartInfo("bash")
        {
            ArgumentList = { Path.Combine(RepositoryRoot(), "run.sh") },
            WorkingDirectory = RepositoryRoot(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Tests measure the product, not its abuse limits (README, "Security"); a test may override this.
        startInfo.Environment["RateLimits__Profile"] = "relaxed";
        foreach (var (name, value) in environment) startInfo.Environment[name] = value;

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var runSh = new RunSh(process, environment["SCHEDULER_CLUSTER_ID"]);
        process.OutputDataReceived += (_, e) => runSh.Append(e.Data);
        process.ErrorDataReceived += (_, e) => runSh.Append(e.Data);
        process.Exited += (_, _) => runSh._up.TrySetException(
            new InvalidOperationException($"run.sh exited before it was up:\n{runSh.Output}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return runSh;
    }

    /// <summary>Waits for run.sh's "up" line, which it prints once every gateway and /healthz answers.</summary>
    public async Task WaitUntilUp(TimeSpan limit)
    {
        try
        {
            await _up.Task.WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"run.sh was not up after {limit.TotalSeconds:0} s:\n{Output}");
        }
    }

    /// <summary>Sends SIGTERM, as a service manager or Ctrl-C would; false if run.sh outlives the limit.</summary>
    public async Task<bool> Terminate(TimeSpan limit)
    {
        if (_process.HasExited) return true;
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]))
            await kill.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Ids of live processes started for this deployment (found by their cluster id).</summary>
    public IReadOnlyList<int> RemainingProcesses()
    {
        var marker = Encoding.UTF8.GetBytes($"\0SCHEDULER_CLUSTER_ID={_clusterId}\0");
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var environ = File.ReadAllBytes(Path.Combine(dir, "environ"));
                // Entries end in NUL; one in front lets the first entry match the marker too.
                if (((ReadOnlySpan<byte>)[0, .. environ]).IndexOf(marker) >= 0) found.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile, or not ours to read: not one of ours either way.
            }
        }
        return found;
    }

    public static bool Answers(int port)
    {
        using var client = new TcpClient();
        try
        {
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited && !await Terminate(TimeSpan.FromSeconds(15)))
            _process.Kill(entireProcessTree: true);
        // Anything orphaned (run.sh killed before it could stop its children) goes too.
        foreach (var pid in RemainingProcesses())
        {
            try { Process.GetProcessById(pid).Kill(); }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException) { }
        }
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
        if (line.Contains(UpLine, StringComparison.Ordinal)) _up.TrySetResult();
    }

    /// <summary>The directory holding Scheduler.sln (and run.sh), found above the test binaries.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Scheduler.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"no Scheduler.sln above {AppContext.BaseDirectory}");
    }
}
