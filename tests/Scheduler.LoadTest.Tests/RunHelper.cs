using System.Text.Json;
using Scheduler.LoadTest.Reports;
using Spectre.Console;

namespace Scheduler.LoadTest.Tests;

/// <summary>Runs the load tester in-process, as the command line would, with output kept for failure messages.</summary>
public static class RunHelper
{
    public static RunSettings Settings(string scenario, Uri url, TargetKind target = TargetKind.Product) => new()
    {
        Scenario = scenario,
        Url = url,
        Target = target,
        Concurrency = 8,
        Duration = TimeSpan.FromSeconds(2),
        Organizers = 2,
        Live = false,
        SettleTimeout = TimeSpan.FromSeconds(20),
        OutDir = Path.Combine(Path.GetTempPath(), "scheduler-loadtest-tests", Guid.NewGuid().ToString("N")),
    };

    public static async Task<(RunOutcome Outcome, string Output)> Run(RunSettings settings)
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        var outcome = await LoadTestRun.Execute(settings, $"test {settings.Scenario}", console, CancellationToken.None);
        return (outcome, output.ToString());
    }

    /// <summary>The JSON report as a reader would load it (not the object the run returned).</summary>
    public static RunReport ReadJson(RunOutcome outcome) =>
        JsonSerializer.Deserialize<RunReport>(File.ReadAllText(outcome.JsonPath), ReportWriter.Json)!;
}
