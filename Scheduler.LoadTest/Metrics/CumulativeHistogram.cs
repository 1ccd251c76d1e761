namespace Scheduler.LoadTest.Metrics;

/// <summary>Observations at or below <paramref name="UpperBound"/> (Prometheus' <c>le</c>; the last is +Inf).</summary>
public sealed record CumulativeBucket(double UpperBound, long Count);

/// <summary>
/// A Prometheus histogram as scraped: cumulative bucket counts by upper bound, the sum and the count of
/// all observations. Series of one histogram that differ only in labels other than <c>le</c> (scopes,
/// instances) are added together; so are the histograms of several silos (<see cref="Plus"/>), and the
/// difference of two scrapes (<see cref="Minus"/>) is what happened between them.
/// </summary>
public sealed record CumulativeHistogram(IReadOnlyList<CumulativeBucket> Buckets, double Sum, long Count)
{
    /// <summary>The histogram <paramref name="name"/> (its <c>_bucket</c>, <c>_sum</c> and <c>_count</c> series), or null if the scrape has no bucket of it.</summary>
    public static CumulativeHistogram? Find(IEnumerable<Sample> samples, string name)
    {
        var buckets = new SortedDictionary<double, long>();
        double sum = 0;
        long count = 0;
        var found = false;
        foreach (var sample in samples)
        {
            if (sample.Name == name + "_bucket" && sample.Labels.TryGetValue("le", out var le) && PrometheusText.TryParseValue(le, out var bound))
            {
                buckets[bound] = buckets.GetValueOrDefault(bound) + (long)sample.Value;
                found = true;
            }
            else if (sample.Name == name + "_sum")
            {
                sum += sample.Value;
            }
            else if (sample.Name == name + "_count")
            {
                count += (long)sample.Value;
            }
        }
        if (!found) return null;
        if (!buckets.ContainsKey(double.PositiveInfinity)) buckets[double.PositiveInfinity] = count;
        return new CumulativeHistogram(buckets.Select(b => new CumulativeBucket(b.Key, b.Value)).ToList(), sum, count);
    }

    public static readonly CumulativeHistogram Empty = new([new CumulativeBucket(double.PositiveInfinity, 0)], 0, 0);

    /// <summary>
    /// Both together. Cumulative counts add up exactly only at bounds both have, so the result keeps
    /// those (silos configured alike have the same bounds).
    /// </summary>
    public CumulativeHistogram Plus(CumulativeHistogram other)
    {
        if (ReferenceEquals(this, Empty)) return other;
        if (ReferenceEquals(other, Empty)) return this;
        var theirs = other.Buckets.ToDictionary(b => b.UpperBound, b => b.Count);
        var buckets = Buckets.Where(b => theirs.ContainsKey(b.UpperBound))
            .Select(b => new CumulativeBucket(b.UpperBound, b.Count + theirs[b.UpperBound])).ToList();
        return new CumulativeHistogram(buckets, Sum + other.Sum, Count + other.Count);
    }

    /// <summary>
    /// What was observed since <paramref name="earlier"/>. A count that went down means the process
    /// restarted in between (its counters began again): then everything since the restart is what counts.
    /// </summary>
    public CumulativeHistogram Minus(CumulativeHistogram earlier)
    {
        if (Count < earlier.Count) return this;
        var before = earlier.Buckets.ToDictionary(b => b.UpperBound, b => b.Count);
        var buckets = Buckets.Select(b => new CumulativeBucket(b.UpperBound, Math.Max(0, b.Count - before.GetValueOrDefault(b.UpperBound)))).ToList();
        return new CumulativeHistogram(buckets, Sum - earlier.Sum, Count - earlier.Count);
    }

    public double? Mean => Count > 0 ? Sum / Count : null;

    /// <summary>
    /// Estimated <paramref name="quantile"/> (0–1), as Prometheus' <c>histogram_quantile</c> does: linear
    /// interpolation inside the bucket the rank falls in (from 0 for the first bucket, the highest finite
    /// bound for the +Inf bucket). Null without observations.
    /// </summary>
    public double? Quantile(double quantile)
    {
        if (Count == 0) return null;
        var rank = quantile * Count;
        long below = 0;
        var lower = 0.0;
        foreach (var bucket in Buckets)
        {
            if (bucket.Count >= rank && bucket.Count > below)
            {
                if (double.IsPositiveInfinity(bucket.UpperBound)) return lower;
                if (bucket.UpperBound <= 0) return bucket.UpperBound;
                var from = Math.Min(lower, bucket.UpperBound);
                return from + (bucket.UpperBound - from) * (rank - below) / (bucket.Count - below);
            }
            below = bucket.Count;
            lower = double.IsPositiveInfinity(bucket.UpperBound) ? lower : bucket.UpperBound;
        }
        return lower;
    }
}
