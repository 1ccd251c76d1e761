using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Scheduler.TestSupport;

namespace Scheduler.SmokeTests;

/// <summary>
/// run.sh's start-up probes (scripts/probes.sh), run as run.sh runs them, against listeners that
/// behave badly on purpose: start-up must give up at its deadline, never hang.
/// </summary>
public sealed class RunShProbeTests
{
    private static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Waiting_for_a_front_end_that_accepts_and_never_answers_ends_at_the_deadline()
    {
        // The kernel completes each handshake; the held connections are never read or answered.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var held = new List<TcpClient>();
        var holding = Task.Run(async () =>
        {
            try
            {
                while (true) held.Add(await silent.AcceptTcpClientAsync());
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        });

        var (exitCode, output, elapsed) = await WaitForFrontEnd(Port(silent), deadlineSeconds: 3, probeTimeoutSeconds: 2);

        Assert.Equal(1, exitCode);
        Assert.Contains("front ends not up after 3s", output);
        // The deadline plus at most one probe's timeout: bounded by what run.sh promises, not by the peer.
        Assert.True(elapsed < TimeSpan.FromSeconds(3 + 2 + 5), $"took {elapsed.TotalSeconds:0.0} s");
        silent.Stop();
        await holding;
        Assert.NotEmpty(held); // the probes really did reach the silent listener
        foreach (var client in held) client.Dispose();
    }

    [Theory]
    [InlineData("200 OK", 0)]
    [InlineData("503 Service Unavailable", 1)]
    public async Task A_front_end_is_up_once_healthz_answers_200(string status, int expectedExitCode)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var answering = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    using var client = await listener.AcceptTcpClientAsync();
                    var stream = client.GetStream();
                    var request = new StringBuilder();
                    var buffer = new byte[1024];
                    while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                    {
                        var read = await stream.ReadAsync(buffer);
                        if (read == 0) break;
                        request.Append(Encoding.ASCII.GetString(buffer, 0, read));
                    }
                    await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException) { }
        });

        var (exitCode, output, _) = await WaitForFrontEnd(Port(listener), deadlineSeconds: 2, probeTimeoutSeconds: 2);

        Assert.True(expectedExitCode == exitCode, output);
        listener.Stop();
        await answering;
    }

    private static int Port(TcpListener listener) => ((IPEndPoint)listener.LocalEndpoint).Port;

    /// <summary>run.sh's wait for its front ends, with every started process still running.</summary>
    private static async Task<(int ExitCode, string Output, TimeSpan Elapsed)> WaitForFrontEnd(int port, int deadlineSeconds, int probeTimeoutSeconds)
    {
        var script = "source scripts/probes.sh; all_running() { return 0; }; die() { echo \"$*\"; exit 1; }; " +
            $"wait_for 'front ends' {deadlineSeconds} healthy http://127.0.0.1:{port}";
        var startInfo = new ProcessStartInfo("bash")
        {
            ArgumentList = { "-c", script },
            WorkingDirectory = RunSh.RepositoryRoot(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment = { ["SCHEDULER_PROBE_TIMEOUT"] = probeTimeoutSeconds.ToString() },
        };
        var elapsed = Stopwatch.StartNew();
        using var process = Process.Start(startInfo)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(HangLimit);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"the wait was still running after {HangLimit.TotalSeconds:0} s: it hangs");
        }
        return (process.ExitCode, await stdout + await stderr, elapsed.Elapsed);
    }
}
