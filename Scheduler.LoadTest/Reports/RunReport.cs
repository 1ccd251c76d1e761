using HdrHistogram;
using Scheduler.LoadTest.Audit;
using Scheduler.LoadTest.Database;
using Scheduler.LoadTest.Engine;
using Scheduler.LoadTest.Metrics;

namespace Scheduler.LoadTest.Reports;

/// <summary>Latency percentiles of one group of requests, in milliseconds.</summary>
public sealed record LatencySummary(string Name, long Count, double P50, double P95, double P99, double P999, double Max, double Mean,
    IReadOnlyList<HistogramBucket> Buckets)
{
    /// <summary>Bucket upper bounds in ms, 1-2-5 steps: what the HTML histogram draws.</summary>
    private static readonly double[] Bounds = Enumerable.Range(-2, 8)
        .SelectMany(e => new[] { 1, 2, 5 }.Select(m => m * Math.Pow(10, e))).ToArray();

    public static LatencySummary From(string name, HistogramBase histogram)
    {
        if (histogram.TotalCount == 0) return new(name, 0, 0, 0, 0, 0, 0, 0, []);
        double Ms(long micros) => micros / 1000.0;
        var counts = new long[Bounds.Length + 1];
        foreach (var value in histogram.RecordedValues())
        {
            var ms = Ms(value.ValueIteratedTo);
            var i = Array.FindIndex(Bounds, b => ms <= b);
            counts[i < 0 ? Bounds.Length : i] += value.CountAtValueIteratedTo;
        }
        var buckets = new List<HistogramBucket>();
        for (var i = 0; i < counts.Length; i++)
        {
            var upper = i < Bounds.Length ? Bounds[i] : double.PositiveInfinity;
            buckets.Add(new HistogramBucket(i == 0 ? 0 : Bounds[i - 1], double.IsInfinity(upper) ? null : upper, counts[i]));
        }
        // Trim empty buckets at both ends so the chart shows where the latencies are.
        var first = buckets.FindIndex(b => b.Count > 0);
        var last = buckets.FindLastIndex(b => b.Count > 0);
        return new(name, histogram.TotalCount, Ms(histogram.GetValueAtPercentile(50)), Ms(histogram.GetValueAtPercentile(95)),
            Ms(histogram.GetValueAtPercentile(99)), Ms(histogram.GetValueAtPercentile(99.9)), Ms(histogram.GetMaxValue()),
            histogram.GetMean() / 1000.0, buckets.GetRange(first, last - first + 1));
    }
}

public sealed record HistogramBucket(double FromMs, double? ToMs, long Count);

/// <summary>Requests completed in one second of the measured run.</summary>
public sealed record TimelinePoint(int Second, long Accepted, long Refused, long Rejected, long Errors, long Reads);

/// <summary>Everything a run found: written as JSON and HTML and printed as a table.</summary>
public sealed record RunReport
{
    public required string Scenario { get; init; }
    public required string Target { get; init; }
    public required string Url { get; init; }
    public required string RunId { get; init; }
    public required string CommandLine { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required string Loop { get; init; }
    public required int Concurrency { get; init; }
    public double? OfferedRate { get; init; }
    public required int Organizers { get; init; }
    public required int Seed { get; init; }
    public required double WarmupSeconds { get; init; }
    public required double MeasuredSeconds { get; init; }
    public required long Requests { get; init; }
    public required long Accepted { get; init; }
    public required long Refused { get; init; }
    public required long Rejected { get; init; }
    public required long Errors { get; init; }
    public required long Reads { get; init; }
    /// <summary>Requests that needed at least one retry (same Idempotency-Key).</summary>
    public required long Retried { get; init; }
    public required long Retries { get; init; }
    public required double AchievedRate { get; init; }
    /// <summary>Acknowledged (durable) bookings per second of the measured run.</summary>
    public required double AcceptedPerSecond { get; init; }
    public required IReadOnlyList<LatencySummary> Latencies { get; init; }
    public required IReadOnlyList<TimelinePoint> Timeline { get; init; }
    public required IReadOnlyDictionary<string, long> ErrorKinds { get; init; }
    public DbReport? Database { get; init; }
    /// <summary>The calendars' group commits during the run, from the silos' metrics (null: none were read).</summary>
    public CommitBatchReport? CommitBatches { get; init; }
    public AuditReport? Audit { get; init; }

    public static RunReport Build(RunSettings settings, string runId, string commandLine, DateTimeOffset startedAt, RunStats.Snapshot stats,
        IReadOnlyDictionary<string, HistogramBase> extra, DbReport? database, CommitBatchReport? commitBatches, AuditReport? audit)
    {
        var seconds = Math.Max(stats.Measured.TotalSeconds, 0.001);
        var latencies = new List<LatencySummary> { LatencySummary.From("all requests", stats.All) };
        foreach (var ((kind, outcome), histogram) in stats.ByKind.OrderBy(kv => kv.Key.Kind).ThenBy(kv => kv.Key.Outcome))
            latencies.Add(LatencySummary.From(Label(kind, outcome), histogram));
        latencies.AddRange(extra.Select(kv => LatencySummary.From(kv.Key, kv.Value)));
        long C(Outcome o) => stats.Counts.GetValueOrDefault(o);
        return new RunReport
        {
            Scenario = settings.Scenario,
            Target = settings.Target.ToString().ToLowerInvariant(),
            Url = settings.Url.ToString(),
            RunId = runId,
            CommandLine = commandLine,
            StartedAt = startedAt,
            Loop = settings.Rate is null ? "closed" : "open",
            Concurrency = settings.Concurrency,
            OfferedRate = settings.Rate,
            Organizers = settings.Scenario is "hot-calendar" or "hot-slot" ? 1 : settings.Organizers,
            Seed = settings.Seed,
            WarmupSeconds = settings.Warmup.TotalSeconds,
            MeasuredSeconds = Math.Round(seconds, 3),
            Requests = stats.All.TotalCount,
            Accepted = C(Outcome.Accepted),
            Refused = C(Outcome.Refused),
            Rejected = C(Outcome.Rejected),
            Errors = C(Outcome.Error),
            Reads = C(Outcome.Read),
            Retried = stats.Retried,
            Retries = stats.Retries,
            AchievedRate = Math.Round(stats.All.TotalCount / seconds, 1),
            AcceptedPerSecond = Math.Round(C(Outcome.Accepted) / seconds, 1),
            Latencies = latencies,
            Timeline = stats.Timeline.Select((row, i) => new TimelinePoint(i, row[(int)Outcome.Accepted], row[(int)Outcome.Refused],
                row[(int)Outcome.Rejected], row[(int)Outcome.Error], row[(int)Outcome.Read])).ToList(),
            ErrorKinds = stats.Errors,
            Database = database,
            CommitBatches = commitBatches,
            Audit = audit,
        };
    }

    private static string Label(RequestKind kind, Outcome outcome) => (kind, outcome) switch
    {
        (RequestKind.Booking, Outcome.Accepted) => "bookings accepted (201)",
        (RequestKind.Booking, Outcome.Refused) => "bookings refused (409)",
        (RequestKind.Booking, Outcome.Rejected) => "bookings rejected (4xx)",
        (RequestKind.Booking, Outcome.Error) => "bookings failed",
        (RequestKind.SlotQuery, Outcome.Read) => "slot queries",
        (RequestKind.SlotQuery, _) => "slot queries failed",
        _ => $"{kind} {outcome}",
    };
}
