using System.Diagnostics;
using Scheduler.TestSupport;

namespace Scheduler.IntegrationTests.OpenApi;

/// <summary>Runs a command-line tool the project's scripts installed (npm packages, dotnet local tools).</summary>
public static class Tool
{
    public sealed record Outcome(int ExitCode, string Output)
    {
        public override string ToString() => $"exit {ExitCode}:\n{Output}";
    }

    /// <summary>tests/openapi-tools: npm packages pinned by its package-lock.json (scripts/prereqs.sh runs npm ci there).</summary>
    public static string NpmTools => Path.Combine(RunSh.RepositoryRoot(), "tests", "openapi-tools");

    public static string NpmBin(string name)
    {
        var path = Path.Combine(NpmTools, "node_modules", ".bin", name);
        Assert.True(File.Exists(path), $"{path} is missing: run scripts/prereqs.sh (or `npm ci` in {NpmTools}).");
        return path;
    }

    public static async Task<Outcome> Run(string file, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not finish within {timeout}: {await stdout}{await stderr}");
        }
        return new Outcome(process.ExitCode, (await stdout) + (await stderr));
    }
}
