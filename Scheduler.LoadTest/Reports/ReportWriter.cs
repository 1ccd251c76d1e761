using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Scheduler.LoadTest.Metrics;

namespace Scheduler.LoadTest.Reports;

/// <summary>
/// Writes a run's JSON file and its one-file HTML report (inline CSS and SVG: no script, no CDN) into
/// <c>&lt;out&gt;/&lt;time&gt;-&lt;scenario&gt;-&lt;target&gt;/</c>.
/// </summary>
public static class ReportWriter
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static async Task<(string Folder, string JsonPath, string HtmlPath)> Write(RunReport report, string outDir)
    {
        var folder = Path.GetFullPath(Path.Combine(outDir,
            $"{report.StartedAt.UtcDateTime:yyyyMMdd-HHmmss}-{report.Scenario}-{report.Target}"));
        Directory.CreateDirectory(folder);
        var jsonPath = Path.Combine(folder, "report.json");
        var htmlPath = Path.Combine(folder, "report.html");
        await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(report, Json));
        await File.WriteAllTextAsync(htmlPath, Html(report));
        return (folder, jsonPath, htmlPath);
    }

    private static string F(double value, string format = "0.0") => value.ToString(format, CultureInfo.InvariantCulture);

    private static string Whole(double? value) => value is { } v ? F(v, "0") : "–";

    private static string E(object? value) => WebUtility.HtmlEncode(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "");

    public static string Html(RunReport r)
    {
        var html = new StringBuilder();
        html.Append($$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>{{E(r.Scenario)}} against {{E(r.Target)}} — Scheduler load test</title>
            <style>
            body{font:14px/1.4 system-ui,sans-serif;margin:2rem;max-width:1000px;color:#222}
            table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:right}
            th:first-child,td:first-child{text-align:left}.pass{color:#070;font-weight:bold}.fail{color:#b00;font-weight:bold}
            code{background:#f4f4f4;padding:.1rem .3rem}svg{background:#fafafa;border:1px solid #ddd}
            </style></head><body>
            <h1>{{E(r.Scenario)}} against the {{E(r.Target)}}</h1>
            <p><code>{{E(r.CommandLine)}}</code><br>{{E(r.Url)}} · run {{E(r.RunId)}} · started {{E(r.StartedAt.ToString("u", CultureInfo.InvariantCulture))}}</p>
            """);
        if (r.Audit is { } audit)
        {
            html.Append(audit.Passed
                ? $"<p class=pass>Audit passed: 0 violations ({audit.Acknowledged} acknowledged, {audit.Stored} stored)</p>"
                : $"<p class=fail>Audit FAILED: {E(string.Join(", ", audit.Violations.Select(v => $"{v.Value} {v.Key}")))}</p>");
        }
        html.Append("<h2>Summary</h2><table>");
        foreach (var (name, value) in Summary(r)) html.Append($"<tr><th>{E(name)}</th><td>{E(value)}</td></tr>");
        html.Append("</table><h2>Latency (ms)</h2><table><tr><th>requests</th><th>count</th><th>p50</th><th>p95</th><th>p99</th><th>p99.9</th><th>max</th></tr>");
        foreach (var l in r.Latencies)
            html.Append($"<tr><td>{E(l.Name)}</td><td>{l.Count}</td><td>{F(l.P50)}</td><td>{F(l.P95)}</td><td>{F(l.P99)}</td><td>{F(l.P999)}</td><td>{F(l.Max)}</td></tr>");
        html.Append("</table>");
        foreach (var l in r.Latencies.Where(l => l.Count > 0))
        {
            html.Append($"<h3>Latency histogram: {E(l.Name)}</h3>");
            html.Append(HistogramSvg(l));
        }
        if (r.CommitBatches is { } batches) html.Append(CommitBatchesHtml(batches));
        html.Append("<h2>Throughput over time (requests completed per second)</h2>");
        html.Append(TimelineSvg(r.Timeline));
        if (r.ErrorKinds.Count > 0)
        {
            html.Append("<h2>Errors and rejections</h2><table>");
            foreach (var (kind, count) in r.ErrorKinds) html.Append($"<tr><td>{E(kind)}</td><td>{count}</td></tr>");
            html.Append("</table>");
        }
        if (r.Audit is { } a)
        {
            html.Append("<h2>Audit</h2><ul>");
            foreach (var note in a.Notes) html.Append($"<li>{E(note)}</li>");
            html.Append($"<li>outcome unknown after all retries: {a.UnknownOutcomeStored} stored, {a.UnknownOutcomeNotStored} not stored</li></ul>");
            if (a.Examples.Count > 0)
            {
                html.Append("<table><tr><th>check</th><th>example</th></tr>");
                foreach (var v in a.Examples) html.Append($"<tr><td>{E(v.Check)}</td><td style=text-align:left>{E(v.Detail)}</td></tr>");
                html.Append("</table>");
            }
        }
        html.Append("</body></html>\n");
        return html.ToString();
    }

    public static IEnumerable<(string, string)> Summary(RunReport r)
    {
        yield return ("loop", r.Loop == "open" ? $"open, offered {F(r.OfferedRate ?? 0)} req/s, ≤ {r.Concurrency} in flight" : $"closed, {r.Concurrency} concurrent");
        yield return ("measured", $"{F(r.MeasuredSeconds)} s (warm-up {F(r.WarmupSeconds)} s)");
        yield return ("organizers", r.Organizers.ToString(CultureInfo.InvariantCulture));
        yield return ("achieved rate", $"{F(r.AchievedRate)} req/s");
        yield return ("accepted bookings/s", F(r.AcceptedPerSecond));
        yield return ("requests", r.Requests.ToString(CultureInfo.InvariantCulture));
        yield return ("accepted / refused / rejected / errors", $"{r.Accepted} / {r.Refused} / {r.Rejected} / {r.Errors}");
        if (r.Reads > 0) yield return ("slot queries", r.Reads.ToString(CultureInfo.InvariantCulture));
        yield return ("retried (retries)", $"{r.Retried} ({r.Retries})");
        if (r.Database is { } db)
        {
            yield return ("PostgreSQL commits", $"{db.Commits} ({db.Rollbacks} rollbacks) in database {db.Database}");
            yield return ("commits per accepted booking", db.CommitsPerAcceptedBooking is { } c ? F(c, "0.00") : "–");
            yield return ("WAL bytes (cluster)", db.WalBytes.ToString(CultureInfo.InvariantCulture));
            yield return ("WAL bytes per accepted booking", db.WalBytesPerAcceptedBooking is { } w ? F(w, "0") : "–");
            yield return ("WAL flushes (cluster) per accepted booking", db.WalSyncsPerAcceptedBooking is { } s ? F(s, "0.00") : "–");
            yield return ("peak server connections", $"{db.PeakConnections} (max_connections {db.MaxConnections})");
            if (db.PeakConnectionsByApplication is { Count: > 0 } apps)
                yield return ("  by application_name", string.Join(", ", apps.OrderByDescending(a => a.Value).Select(a => $"{a.Key} {a.Value}")));
        }
        if (r.CommitBatches is { Found: true } batches)
        {
            yield return ("group commits (silo metrics)", $"{batches.Commits} writing {F(batches.Bookings, "0")} bookings");
            yield return ("bookings per commit: mean / p50 / p99", $"{(batches.MeanBatchSize is { } mean ? F(mean, "0.00") : "–")} / ≈{Whole(batches.P50)} / ≈{Whole(batches.P99)}");
            yield return ("batch sizes (bookings: commits)", batches.Buckets.Count > 0 ? batches.Distribution : "no commits");
            if (batches.Note is { } note) yield return ("  note", note);
        }
        else if (r.CommitBatches is { } missing)
        {
            yield return ("commit batch sizes", missing.Note ?? "not found");
        }
    }

    /// <summary>Bookings per group commit, from the silos' histogram: one row per bucket with a bar of its share.</summary>
    private static string CommitBatchesHtml(CommitBatchReport b)
    {
        var html = new StringBuilder("<h2>Commit batch sizes (silo metrics)</h2>");
        html.Append($"<p>From {E(string.Join(", ", b.Sources))}, read before and after the load.");
        if (b.Note is { } note) html.Append($" {E(note)}");
        html.Append("</p>");
        if (!b.Found) return html.ToString();
        html.Append($"<p>{b.Commits} group commits wrote {F(b.Bookings, "0")} bookings: {(b.MeanBatchSize is { } mean ? F(mean, "0.00") : "–")} per commit on average, " +
            $"p50 ≈ {Whole(b.P50)}, p99 ≈ {Whole(b.P99)} (estimated from the buckets).</p>");
        if (b.Buckets.Count == 0) return html.ToString();
        html.Append("<table><tr><th>bookings per commit</th><th>commits</th><th>share</th><th></th></tr>");
        foreach (var bucket in b.Buckets)
        {
            var share = b.Commits > 0 ? (double)bucket.Commits / b.Commits : 0;
            html.Append($"<tr><td>{E(bucket.Label)}</td><td>{bucket.Commits}</td><td>{F(100 * share)} %</td>" +
                $"<td style=text-align:left><svg width=300 height=12 role=img aria-label=\"share\"><rect width={F(300 * share)} height=12 fill=#4a7bd0 /></svg></td></tr>");
        }
        html.Append("</table>");
        return html.ToString();
    }

    private static string HistogramSvg(LatencySummary l)
    {
        const int width = 900, height = 220, left = 50, bottom = 40;
        var max = Math.Max(1, l.Buckets.Max(b => b.Count));
        var barWidth = (width - left - 10) / Math.Max(1, l.Buckets.Count);
        var svg = new StringBuilder($"<svg width={width} height={height} role=img aria-label=\"latency histogram\">");
        for (var i = 0; i < l.Buckets.Count; i++)
        {
            var b = l.Buckets[i];
            var h = (int)((height - bottom - 10) * b.Count / (double)max);
            var x = left + i * barWidth;
            var label = b.ToMs is { } to ? $"≤{F(to, "0.##")}" : $">{F(b.FromMs, "0.##")}";
            svg.Append($"<rect x={x + 2} y={height - bottom - h} width={barWidth - 4} height={h} fill=#4a7bd0><title>{E(label)} ms: {b.Count}</title></rect>");
            svg.Append($"<text x={x + barWidth / 2} y={height - bottom + 15} font-size=11 text-anchor=middle>{E(label)}</text>");
            if (b.Count > 0) svg.Append($"<text x={x + barWidth / 2} y={height - bottom - h - 3} font-size=10 text-anchor=middle>{b.Count}</text>");
        }
        svg.Append($"<text x={width / 2} y={height - 5} font-size=12 text-anchor=middle>milliseconds (bucket upper bound)</text></svg>");
        return svg.ToString();
    }

    private static string TimelineSvg(IReadOnlyList<TimelinePoint> points)
    {
        const int width = 900, height = 240, left = 50, bottom = 30;
        if (points.Count == 0) return "<p>no requests completed</p>";
        var max = Math.Max(1, points.Max(p => p.Accepted + p.Refused + p.Rejected + p.Errors + p.Reads));
        var step = (width - left - 10) / (double)points.Count;
        var svg = new StringBuilder($"<svg width={width} height={height} role=img aria-label=\"throughput over time\">");
        svg.Append($"<text x=5 y=15 font-size=11>{max}/s</text><text x=5 y={height - bottom} font-size=11>0</text>");
        var series = new (Func<TimelinePoint, long> Value, string Color, string Name)[]
        {
            (p => p.Accepted, "#2a9d3a", "accepted"), (p => p.Reads, "#4a7bd0", "slot queries"), (p => p.Refused, "#e0a020", "refused"),
            (p => p.Rejected, "#9060c0", "rejected"), (p => p.Errors, "#c03030", "errors"),
        };
        foreach (var p in points)
        {
            double y = height - bottom;
            foreach (var (value, color, name) in series)
            {
                var h = (height - bottom - 10) * value(p) / (double)max;
                if (h <= 0) continue;
                y -= h;
                svg.Append($"<rect x={F(left + p.Second * step)} y={F(y)} width={F(Math.Max(1, step - 1))} height={F(h)} fill={color}><title>second {p.Second}: {value(p)} {name}</title></rect>");
            }
        }
        var legendX = left;
        foreach (var (_, color, name) in series)
        {
            svg.Append($"<rect x={legendX} y={height - 14} width=10 height=10 fill={color}/><text x={legendX + 14} y={height - 5} font-size=11>{name}</text>");
            legendX += 110;
        }
        svg.Append("</svg>");
        return svg.ToString();
    }
}
