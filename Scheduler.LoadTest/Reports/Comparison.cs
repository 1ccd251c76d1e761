using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace Scheduler.LoadTest.Reports;

/// <summary>Two runs of one scenario side by side (product vs baseline), with the product / baseline ratio.</summary>
public static class Comparison
{
    public static async Task<int> Print(string productJson, string baselineJson, IAnsiConsole console)
    {
        var product = JsonSerializer.Deserialize<RunReport>(await File.ReadAllTextAsync(productJson), ReportWriter.Json)!;
        var baseline = JsonSerializer.Deserialize<RunReport>(await File.ReadAllTextAsync(baselineJson), ReportWriter.Json)!;
        var table = new Table().Title($"{product.Scenario}: {product.Target} vs {baseline.Target}")
            .AddColumn("").AddColumn(new TableColumn(product.Target).RightAligned())
            .AddColumn(new TableColumn(baseline.Target).RightAligned()).AddColumn(new TableColumn("ratio").RightAligned());
        foreach (var (name, a, b) in Rows(product, baseline))
            table.AddRow(Markup.Escape(name), F(a), F(b), a is { } x && b is { } y && y != 0 ? (x / y).ToString("0.00", CultureInfo.InvariantCulture) + "x" : "–");
        table.AddRow("audit", Verdict(product), Verdict(baseline), "");
        console.Write(table);
        return 0;
    }

    private static string Verdict(RunReport r) => r.Audit is null ? "–" : r.Audit.Passed ? "[green]passed[/]" : "[red]FAILED[/]";

    private static string F(double? value) => value is { } v ? v.ToString(v >= 100 ? "0" : "0.##", CultureInfo.InvariantCulture) : "–";

    public static IEnumerable<(string Name, double? Product, double? Baseline)> Rows(RunReport a, RunReport b)
    {
        yield return ("offered rate (req/s)", a.OfferedRate, b.OfferedRate);
        yield return ("achieved rate (req/s)", a.AchievedRate, b.AchievedRate);
        yield return ("accepted bookings/s", a.AcceptedPerSecond, b.AcceptedPerSecond);
        if (a.Reads + b.Reads > 0)
            yield return ("slot queries/s", a.Reads / a.MeasuredSeconds, b.Reads / b.MeasuredSeconds);
        yield return ("accepted (201)", a.Accepted, b.Accepted);
        yield return ("refused (409)", a.Refused, b.Refused);
        yield return ("errors", a.Errors, b.Errors);
        foreach (var name in a.Latencies.Select(l => l.Name).Where(n => b.Latencies.Any(l => l.Name == n)))
        {
            var x = a.Latencies.First(l => l.Name == name);
            var y = b.Latencies.First(l => l.Name == name);
            yield return ($"{name} p50 ms", x.P50, y.P50);
            yield return ($"{name} p99 ms", x.P99, y.P99);
        }
        yield return ("PostgreSQL commits per booking", a.Database?.CommitsPerAcceptedBooking, b.Database?.CommitsPerAcceptedBooking);
        yield return ("WAL bytes per booking", a.Database?.WalBytesPerAcceptedBooking, b.Database?.WalBytesPerAcceptedBooking);
        yield return ("WAL flushes per booking", a.Database?.WalSyncsPerAcceptedBooking, b.Database?.WalSyncsPerAcceptedBooking);
        yield return ("peak server connections", a.Database?.PeakConnections, b.Database?.PeakConnections);
        if (a.CommitBatches is { Found: true } || b.CommitBatches is { Found: true })
        {
            static double? Commits(RunReport r) => r.CommitBatches is { Found: true } c ? c.Commits : null;
            yield return ("group commits (silo metrics)", Commits(a), Commits(b));
            yield return ("bookings per group commit (mean)", a.CommitBatches?.MeanBatchSize, b.CommitBatches?.MeanBatchSize);
            yield return ("bookings per group commit (p99 ≈)", a.CommitBatches?.P99, b.CommitBatches?.P99);
        }
    }
}
