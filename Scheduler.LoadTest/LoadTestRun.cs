using System.Globalization;
using Scheduler.LoadTest.Audit;
using Scheduler.LoadTest.Database;
using Scheduler.LoadTest.Engine;
using Scheduler.LoadTest.Metrics;
using Scheduler.LoadTest.Reports;
using Scheduler.LoadTest.Scenarios;
using Scheduler.LoadTest.Targets;
using Spectre.Console;

namespace Scheduler.LoadTest;

/// <summary>The result of one run: its report, where it was written, and the process exit code.</summary>
public sealed record RunOutcome(int ExitCode, RunReport Report, string Folder, string JsonPath, string HtmlPath);

/// <summary>
/// One run from start to verdict: set up fresh organizers, read the database counters, send the load,
/// read the counters again, audit, write the reports. Exit code 0 only if the audit passed.
/// </summary>
public static class LoadTestRun
{
    public const int AuditFailed = 1;

    public static async Task<RunOutcome> Execute(RunSettings settings, string commandLine, IAnsiConsole console, CancellationToken abort)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var runId = startedAt.ToString("MMddHHmmss", CultureInfo.InvariantCulture) + Guid.NewGuid().ToString("N")[..6];
        using var http = Http.CreateClient(settings.Url, settings.RequestTimeout);
        ITarget target = settings.Target == TargetKind.Baseline ? new BaselineTarget(http) : new ProductTarget(http);
        var firstDay = DateOnly.FromDateTime(startedAt.UtcDateTime).AddDays(1);
        var booker = new Booker(target, settings.Retries, TimeProvider.System);
        var context = new ScenarioContext(settings, target, booker, runId, firstDay);
        var scenario = Scenario.Create(settings.Scenario, context);

        console.MarkupLine($"[bold]{scenario.Name}[/] against the [bold]{settings.Target.ToString().ToLowerInvariant()}[/] at {Markup.Escape(settings.Url.ToString())} (run {runId})");
        await scenario.Setup(abort);
        console.MarkupLine($"set up {context.Calendars.Count} organizer(s)");
        if (scenario is HotCalendar { HistoryNote: { } history }) console.MarkupLine(Markup.Escape(history));

        // The counters cost two waits of DbProbe.SettleTime (PostgreSQL publishes other backends' counters late).
        await using var probe = settings.Db is null || !settings.DbCounters ? null : await DbProbe.Open(settings.Db);
        DbCounters? before = null;
        if (probe is not null)
        {
            console.MarkupLine($"reading PostgreSQL counters of database [bold]{Markup.Escape(probe.Database)}[/] (waiting {DbProbe.SettleTime.TotalSeconds:0} s for the setup's counters to be published)");
            before = await probe.ReadSettled(abort);
            probe.StartSampling();
        }

        // The silos' commit batch sizes, read right before and right after the load (warm-up included, like the database's counters).
        using var batches = settings.MetricsSources is { Count: > 0 } sources ? new CommitBatchProbe(sources) : null;
        if (batches is not null) console.MarkupLine($"reading commit batch sizes from {Markup.Escape(string.Join(", ", settings.MetricsSources))}");
        var batchesBefore = batches is null ? null : await batches.Read(abort);

        var stats = new RunStats();
        var engine = new LoadEngine(settings, stats);
        var running = engine.Run(scenario.Step, abort);
        await ShowProgress(settings, stats, running, console);
        var measured = await running;
        var snapshot = stats.Take(measured);
        var commitBatches = batches is null ? null : batches.Report(batchesBefore!, await batches.Read(abort));
        await scenario.Finish(abort);

        DbReport? database = null;
        if (probe is not null)
        {
            var peak = await probe.StopSampling();
            console.MarkupLine($"waiting {DbProbe.SettleTime.TotalSeconds:0} s for PostgreSQL's counters to be published");
            var after = await probe.ReadSettled(abort);
            var acceptedAll = booker.Ledger.Count(r => r.Outcome == Outcome.Accepted);
            database = await probe.Report(before!, after, peak, acceptedAll, abort);
        }

        console.MarkupLine("auditing…");
        var audit = await new Auditor(target, settings.SettleTimeout)
            .Run(context.Calendars, booker.Ledger.ToList(), firstDay, settings.Db, scenario.Violations, abort);

        var report = RunReport.Build(settings, runId, commandLine, startedAt, snapshot, scenario.ExtraLatencies, database, commitBatches, audit);
        var (folder, json, html) = await ReportWriter.Write(report, settings.OutDir);
        Print(report, console);
        console.MarkupLine($"report: [bold]{Markup.Escape(html)}[/] (and report.json beside it)");
        return new RunOutcome(audit.Passed ? 0 : AuditFailed, report, folder, json, html);
    }

    private static async Task ShowProgress(RunSettings settings, RunStats stats, Task running, IAnsiConsole console)
    {
        string Line() =>
            $"{stats.Elapsed.TotalSeconds,5:0.0} s  requests {stats.Total,7}  rate {stats.Total / Math.Max(0.001, stats.Elapsed.TotalSeconds),7:0.0}/s  " +
            $"accepted {stats.Count(Outcome.Accepted),6}  refused {stats.Count(Outcome.Refused),6}  errors {stats.Count(Outcome.Error) + stats.Count(Outcome.Rejected),5}  p99 {stats.P99Millis,7:0.0} ms";
        if (settings.Live && console.Profile.Capabilities.Interactive)
        {
            var text = new Markup(Markup.Escape(Line()));
            await console.Live(new Panel(text).Header("running")).StartAsync(async live =>
            {
                while (!running.IsCompleted)
                {
                    live.UpdateTarget(new Panel(new Markup(Markup.Escape(Line()))).Header("running"));
                    await Task.WhenAny(running, Task.Delay(500));
                }
                live.UpdateTarget(new Panel(new Markup(Markup.Escape(Line()))).Header("done"));
            });
        }
        else
        {
            while (!running.IsCompleted)
            {
                await Task.WhenAny(running, Task.Delay(5000));
                console.WriteLine(Line());
            }
        }
    }

    public static void Print(RunReport report, IAnsiConsole console)
    {
        var summary = new Table().Title($"{report.Scenario} · {report.Target}").AddColumn("").AddColumn(new TableColumn("").RightAligned());
        foreach (var (name, value) in ReportWriter.Summary(report)) summary.AddRow(Markup.Escape(name), Markup.Escape(value));
        console.Write(summary);
        var latency = new Table().Title("latency (ms)").AddColumn("requests");
        foreach (var column in new[] { "count", "p50", "p95", "p99", "p99.9", "max" }) latency.AddColumn(new TableColumn(column).RightAligned());
        foreach (var l in report.Latencies)
        {
            latency.AddRow(Markup.Escape(l.Name), l.Count.ToString(CultureInfo.InvariantCulture), Ms(l.P50), Ms(l.P95), Ms(l.P99), Ms(l.P999), Ms(l.Max));
        }
        console.Write(latency);
        foreach (var (kind, count) in report.ErrorKinds) console.MarkupLine($"  [yellow]{count}[/] × {Markup.Escape(kind)}");
        if (report.Audit is { } audit)
        {
            foreach (var note in audit.Notes) console.MarkupLine($"  audit: {Markup.Escape(note)}");
            if (audit.UnknownOutcomeStored + audit.UnknownOutcomeNotStored > 0)
                console.MarkupLine($"  audit: outcome unknown after all retries: {audit.UnknownOutcomeStored} stored, {audit.UnknownOutcomeNotStored} not stored");
            foreach (var v in audit.Examples) console.MarkupLine($"  [red]{Markup.Escape(v.Check)}[/]: {Markup.Escape(v.Detail)}");
            console.MarkupLine(audit.Passed
                ? $"[green bold]AUDIT PASSED[/]: 0 double bookings, 0 lost, 0 duplicates, 0 missing notifications ({audit.Acknowledged} acknowledged, {audit.Stored} stored)"
                : $"[red bold]AUDIT FAILED[/]: {Markup.Escape(string.Join(", ", audit.Violations.Select(v => $"{v.Value} {v.Key}")))}");
        }
    }

    private static string Ms(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);
}
