using System.CommandLine;
using Scheduler.LoadTest;
using Scheduler.LoadTest.Scenarios;
using Spectre.Console;

var url = new Option<Uri>("--url")
{
    Description = "Base URL of the deployment",
    DefaultValueFactory = _ => new Uri("http://127.0.0.1:5080"),
    CustomParser = result =>
    {
        var text = result.Tokens.Single().Value;
        if (Uri.TryCreate(text, UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https") return parsed;
        result.AddError($"--url must be an absolute http(s) URL, not '{text}'");
        return null;
    },
    Recursive = true,
};
var target = new Option<TargetKind>("--target") { Description = "product (the API) or baseline (the plain-PostgreSQL endpoint under /baseline)", DefaultValueFactory = _ => TargetKind.Product, Recursive = true };
var baseline = new Option<bool>("--baseline") { Description = "Shorthand for --target baseline", Recursive = true };
var concurrency = new Option<int>("--concurrency", "-c") { Description = "Closed loop: concurrent bookers. Open loop: most requests in flight", DefaultValueFactory = _ => 64, Recursive = true };
var duration = new Option<double>("--duration", "-d") { Description = "Seconds of measured load (after the warm-up)", DefaultValueFactory = _ => 15, Recursive = true };
var requests = new Option<int?>("--requests", "-n") { Description = "Stop after this many requests instead (hot-slot: defaults to --concurrency)", Recursive = true };
var rate = new Option<double?>("--rate") { Description = "Offered requests/s: open loop, requests start on schedule whether or not earlier ones finished. Without it: closed loop", Recursive = true };
var organizers = new Option<int>("--organizers", "-m") { Description = "Organizers for many-calendars, browse and live", DefaultValueFactory = _ => 16, Recursive = true };
var seed = new Option<int>("--seed") { Description = "Seed for the browse scenario's choices", DefaultValueFactory = _ => 1, Recursive = true };
var warmup = new Option<double>("--warmup") { Description = "Seconds of load before measuring", DefaultValueFactory = _ => 0, Recursive = true };
var retries = new Option<int>("--retries") { Description = "Retries with the same Idempotency-Key on 503 or transport errors (0: none)", DefaultValueFactory = _ => 5, Recursive = true };
var db = new Option<string?>("--db") { Description = "Npgsql connection string of the deployment's database: PostgreSQL commits and WAL per booking, peak connections, SQL audit", Recursive = true };
var metrics = new Option<Uri[]?>("--metrics")
{
    Description = "Prometheus endpoint of a silo (SCHEDULER_METRICS_PORT), read before and after the load for the commit batch sizes; repeat it or separate with commas for several silos (default: <url>/metrics; the baseline: none)",
    AllowMultipleArgumentsPerToken = false,
    CustomParser = result =>
    {
        var parsed = new List<Uri>();
        foreach (var text in result.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https") parsed.Add(uri);
            else result.AddError($"--metrics must be absolute http(s) URLs, not '{text}'");
        }
        return [.. parsed];
    },
    Recursive = true,
};
var outDir = new Option<string>("--out") { Description = "Folder for the reports (one sub-folder per run)", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("SCHEDULER_LOADTEST_OUT") ?? "loadtest-reports", Recursive = true };
var bookEvery = new Option<int>("--book-every") { Description = "browse: one request in this many books a slot it saw", DefaultValueFactory = _ => 20, Recursive = true };
var noLive = new Option<bool>("--no-live") { Description = "No live progress display (a line every 5 s instead)", Recursive = true };
var history = new Option<string?>("--history")
{
    Description = "hot-calendar, product, with --db: PAST,FUTURE bookings (e.g. 10000,2000) written into the calendar before the load, to measure a calendar with a history",
    Recursive = true,
};
history.Validators.Add(result =>
{
    if (result.GetValueOrDefault<string?>() is { } text && ParseHistory(text) is null)
        result.AddError("--history takes PAST,FUTURE: two whole numbers ≥ 0, e.g. 10000,2000");
});
var noDbCounters = new Option<bool>("--no-db-counters") { Description = "With --db: skip PostgreSQL's commit, WAL and connection counters (and their two 11 s waits); keep the SQL audit and --history", Recursive = true };
var settle = new Option<double>("--settle") { Description = "Seconds the audit waits for notifications and pushes delivered after the 201", DefaultValueFactory = _ => 30, Recursive = true };

var root = new RootCommand("Scheduler load tester: floods a deployment with bookings, audits the result, compares with the plain-PostgreSQL baseline.");
foreach (var option in new Option[] { url, target, baseline, concurrency, duration, requests, rate, organizers, seed, warmup, retries, db, metrics, outDir, bookEvery, noLive, settle, history, noDbCounters })
    root.Options.Add(option);

var descriptions = new Dictionary<string, string>
{
    ["hot-calendar"] = "N bookers book distinct 5-minute slots of one organizer as fast as they can (a class opening)",
    ["hot-slot"] = "N bookers race for one slot: exactly one may win",
    ["many-calendars"] = "bookings spread over M organizers",
    ["browse"] = "slot queries over 1–4 week ranges, with a trickle of bookings",
    ["live"] = "organizers on the SignalR hub: time from each 201 to its BookingChanged push",
};
foreach (var name in Scenario.Names)
{
    var command = new Command(name, descriptions[name]);
    command.SetAction(async (parse, ct) =>
    {
        var settings = new RunSettings
        {
            Scenario = name,
            Url = parse.GetValue(url)!,
            Target = parse.GetValue(baseline) ? TargetKind.Baseline : parse.GetValue(target),
            Concurrency = Math.Max(1, parse.GetValue(concurrency)),
            Duration = TimeSpan.FromSeconds(parse.GetValue(duration)),
            Requests = parse.GetValue(requests) ?? (name == "hot-slot" ? parse.GetValue(concurrency) : null),
            Rate = parse.GetValue(rate),
            Organizers = Math.Max(1, parse.GetValue(organizers)),
            Seed = parse.GetValue(seed),
            Warmup = TimeSpan.FromSeconds(parse.GetValue(warmup)),
            Retries = Math.Max(0, parse.GetValue(retries)),
            Db = parse.GetValue(db),
            Metrics = parse.GetValue(metrics) is { Length: > 0 } given ? given : null,
            OutDir = parse.GetValue(outDir)!,
            BookEvery = parse.GetValue(bookEvery),
            Live = !parse.GetValue(noLive),
            SettleTimeout = TimeSpan.FromSeconds(parse.GetValue(settle)),
            History = parse.GetValue(history) is { } h ? ParseHistory(h) : null,
            DbCounters = !parse.GetValue(noDbCounters),
        };
        try
        {
            var outcome = await LoadTestRun.Execute(settings, "Scheduler.LoadTest " + string.Join(' ', args), AnsiConsole.Console, ct);
            return outcome.ExitCode;
        }
        catch (Exception e) when (e is HttpRequestException or InvalidOperationException or Npgsql.NpgsqlException)
        {
            AnsiConsole.MarkupLine($"[red]run failed:[/] {Markup.Escape(e.Message)}");
            return 2;
        }
    });
    root.Subcommands.Add(command);
}

var productReport = new Argument<string>("product") { Description = "report.json of the product's run" };
var baselineReport = new Argument<string>("baseline") { Description = "report.json of the baseline's run" };
var compare = new Command("compare", "Prints two runs' report.json side by side with their ratio") { productReport, baselineReport };
compare.SetAction((parse, _) => Scheduler.LoadTest.Reports.Comparison.Print(parse.GetValue(productReport)!, parse.GetValue(baselineReport)!, AnsiConsole.Console));
root.Subcommands.Add(compare);

return await root.Parse(args).InvokeAsync();

static (int Past, int Future)? ParseHistory(string text) =>
    text.Split(',') is [var past, var future]
    && int.TryParse(past, out var p) && int.TryParse(future, out var f) && p >= 0 && f >= 0
        ? (p, f)
        : null;
