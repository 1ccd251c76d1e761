using Scheduler.LoadTest.Metrics;

namespace Scheduler.LoadTest;

/// <summary>Which server design a run drives: the product's API or the plain-PostgreSQL baseline.</summary>
public enum TargetKind
{
    Product,
    Baseline,
}

/// <summary>Everything one run needs, as given on the command line.</summary>
public sealed record RunSettings
{
    /// <summary>Where the commit batch sizes are read (<see cref="Metrics"/> as given, or its default).</summary>
    public IReadOnlyList<Uri> MetricsSources =>
        (Metrics ?? (Target == TargetKind.Product ? [new Uri(Url, "/metrics")] : [])).Select(CommitBatchProbe.Normalize).ToList();

    public required string Scenario { get; init; }
    public required Uri Url { get; init; }
    public TargetKind Target { get; init; } = TargetKind.Product;
    /// <summary>Closed loop: this many workers, each sending its next request when the last one answered.
    /// Open loop (with <see cref="Rate"/>): the most requests in flight at once.</summary>
    public int Concurrency { get; init; } = 64;
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(15);
    /// <summary>When set, the run ends after this many requests instead of after <see cref="Duration"/>.</summary>
    public int? Requests { get; init; }
    /// <summary>Offered rate in requests per second (open loop); null for a closed loop.</summary>
    public double? Rate { get; init; }
    public int Organizers { get; init; } = 16;
    public int Seed { get; init; } = 1;
    public TimeSpan Warmup { get; init; } = TimeSpan.Zero;
    /// <summary>Retries with the same Idempotency-Key after a 503 or a transport error.</summary>
    public int Retries { get; init; } = 5;
    /// <summary>Admin connection string of the deployment's database, for the PostgreSQL counters and the SQL audit.</summary>
    public string? Db { get; init; }
    /// <summary>
    /// Prometheus endpoints of the deployment's silos (SCHEDULER_METRICS_PORT), read before and after the
    /// load for the commit batch sizes; several silos add up. Null: the front end's own <c>/metrics</c>
    /// for the product (it has them only when silo and front end share a process), none for the baseline.
    /// </summary>
    public IReadOnlyList<Uri>? Metrics { get; init; }
    public string OutDir { get; init; } = "loadtest-reports";
    /// <summary>Browse: one request in this many is a booking of a slot just seen (the trickle).</summary>
    public int BookEvery { get; init; } = 20;
    /// <summary>Draw the live progress display (off when output is redirected).</summary>
    public bool Live { get; init; } = true;
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>How long the audit waits for notifications and pushes that are delivered after the 201.</summary>
    public TimeSpan SettleTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>hot-calendar: bookings that ended long ago and bookings beyond the run's slots, written into the calendar before the load (needs <see cref="Db"/>).</summary>
    public (int Past, int Future)? History { get; init; }
    /// <summary>With <see cref="Db"/>: read PostgreSQL's counters around the load (false: <c>--db</c> only for the SQL audit and <c>--history</c>).</summary>
    public bool DbCounters { get; init; } = true;
}
