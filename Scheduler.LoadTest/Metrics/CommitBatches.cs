using System.Globalization;
using System.Net.Http.Headers;

namespace Scheduler.LoadTest.Metrics;

/// <summary>Commits whose batch size was in (<paramref name="From"/>, <paramref name="To"/>] (null: unbounded).</summary>
public sealed record BatchBucket(double? From, double? To, long Commits)
{
    /// <summary>"3–4", "16", "0", "> 1024": batch sizes are whole bookings, so (2, 4] is 3 to 4.</summary>
    public string Label
    {
        get
        {
            static string N(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
            static bool Whole(double v) => Math.Abs(v - Math.Round(v)) < 1e-9;
            if (To is null) return From is { } f ? $"> {N(f)}" : "any";
            var to = To.Value;
            if (From is null) return to <= 0 ? N(to) : $"≤ {N(to)}";
            var from = From.Value;
            if (!Whole(from) || !Whole(to)) return $"({N(from)}, {N(to)}]";
            return to - from <= 1 ? N(to) : $"{N(from + 1)}–{N(to)}";
        }
    }
}

/// <summary>
/// The calendars' group commits during the run, from the silos' <c>scheduler_commit_batch_size</c>
/// histogram (scraped before and after the load): how many commits, how many bookings they wrote,
/// bookings per commit (mean, estimated p50 and p99, buckets). <see cref="Found"/> is false, with
/// <see cref="Note"/> saying why, when no source had the histogram: not an error, only less to report.
/// </summary>
public sealed record CommitBatchReport
{
    public required IReadOnlyList<string> Sources { get; init; }
    public required bool Found { get; init; }
    /// <summary>Why nothing was found, or which sources could not be read or restarted during the run.</summary>
    public string? Note { get; init; }
    public long Commits { get; init; }
    /// <summary>Bookings written (created or changed) by those commits: the sum of their batch sizes.</summary>
    public double Bookings { get; init; }
    public double? MeanBatchSize { get; init; }
    /// <summary>Estimated from the buckets (interpolated, rounded up to whole bookings).</summary>
    public double? P50 { get; init; }
    public double? P99 { get; init; }
    /// <summary>Commits per batch-size bucket, empty ones left out.</summary>
    public IReadOnlyList<BatchBucket> Buckets { get; init; } = [];

    public static CommitBatchReport From(IReadOnlyList<string> sources, CumulativeHistogram? delta, IReadOnlyList<string> notes)
    {
        if (delta is null)
        {
            return new CommitBatchReport
            {
                Sources = sources,
                Found = false,
                Note = string.Join("; ", notes.Prepend(
                    $"no {CommitBatchProbe.Histogram} histogram at {string.Join(", ", sources)} (silos serve it on SCHEDULER_METRICS_PORT: pass their /metrics with --metrics)")),
            };
        }
        var buckets = new List<BatchBucket>();
        long below = 0;
        double? lower = null;
        foreach (var bucket in delta.Buckets)
        {
            var to = double.IsPositiveInfinity(bucket.UpperBound) ? (double?)null : bucket.UpperBound;
            if (bucket.Count - below > 0) buckets.Add(new BatchBucket(lower, to, bucket.Count - below));
            below = bucket.Count;
            lower = to ?? lower;
        }
        static double? Whole(double? estimate) => estimate is { } e ? Math.Ceiling(e - 1e-9) : null;
        return new CommitBatchReport
        {
            Sources = sources,
            Found = true,
            Note = notes.Count > 0 ? string.Join("; ", notes) : null,
            Commits = delta.Count,
            Bookings = delta.Sum,
            MeanBatchSize = delta.Mean is { } mean ? Math.Round(mean, 2) : null,
            P50 = Whole(delta.Quantile(0.50)),
            P99 = Whole(delta.Quantile(0.99)),
            Buckets = buckets,
        };
    }

    /// <summary>"0: 2, 1: 131, 3–4: 16": bookings per commit and how many commits had that many.</summary>
    public string Distribution => string.Join(", ", Buckets.Select(b => $"{b.Label}: {b.Commits}"));
}

/// <summary>
/// Reads the commit batch-size histogram from each source (a silo's Prometheus endpoint,
/// <c>SCHEDULER_METRICS_PORT</c>; several silos add up) before and after the load. A source that cannot
/// be read or has no such histogram is named in the report's note; it never fails the run.
/// </summary>
public sealed class CommitBatchProbe : IDisposable
{
    /// <summary>The silo's <c>scheduler.commit.batch_size</c> (Scheduler.Grains' SchedulerMetrics) as Prometheus names it.</summary>
    public const string Histogram = "scheduler_commit_batch_size";

    private readonly IReadOnlyList<Uri> _sources;
    private readonly HttpClient _http;

    public CommitBatchProbe(IReadOnlyList<Uri> sources, HttpMessageHandler? handler = null)
    {
        _sources = sources;
        _http = new HttpClient(handler ?? new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) }) { Timeout = TimeSpan.FromSeconds(10) };
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("text/plain"));
    }

    /// <summary>A source's URL as given, with <c>/metrics</c> added when it names no path.</summary>
    public static Uri Normalize(Uri source) =>
        source.AbsolutePath is "" or "/" ? new Uri(source, "/metrics") : source;

    /// <summary>Per source: its histogram, or null with what went wrong.</summary>
    public async Task<IReadOnlyList<(CumulativeHistogram? Histogram, string? Problem)>> Read(CancellationToken ct)
    {
        var readings = new List<(CumulativeHistogram?, string?)>();
        foreach (var source in _sources)
        {
            try
            {
                var text = await _http.GetStringAsync(source, ct);
                var histogram = CumulativeHistogram.Find(PrometheusText.Parse(text), Histogram);
                readings.Add((histogram, null));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                readings.Add((null, $"could not read {source}: {e.Message}"));
            }
        }
        return readings;
    }

    /// <summary>What the sources saw between the two readings, added over the sources that had the histogram both times.</summary>
    public CommitBatchReport Report(
        IReadOnlyList<(CumulativeHistogram? Histogram, string? Problem)> before,
        IReadOnlyList<(CumulativeHistogram? Histogram, string? Problem)> after)
    {
        var notes = new List<string>();
        var without = new List<Uri>();
        CumulativeHistogram? total = null;
        for (var i = 0; i < _sources.Count; i++)
        {
            var (first, firstProblem) = before[i];
            var (last, lastProblem) = after[i];
            foreach (var problem in new[] { firstProblem, lastProblem }.OfType<string>().Distinct()) notes.Add(problem);
            if (last is null && lastProblem is null) without.Add(_sources[i]);
            // Unreadable before: its counts since the process started are not this run's.
            if (last is null || first is null && firstProblem is not null) continue;
            if (first is not null && last.Count < first.Count) notes.Add($"{_sources[i]} restarted during the run: counted from its restart");
            // No histogram before but one after: the source had not recorded any commit yet.
            var delta = last.Minus(first ?? CumulativeHistogram.Empty);
            total = total is null ? delta : total.Plus(delta);
        }
        // Beside silos that have it, a source without the histogram is worth a word (a front end's /metrics?).
        if (total is not null && without.Count > 0) notes.Add($"no {Histogram} at {string.Join(", ", without)}");
        return CommitBatchReport.From(_sources.Select(s => s.ToString()).ToList(), total, notes);
    }

    public void Dispose() => _http.Dispose();
}
