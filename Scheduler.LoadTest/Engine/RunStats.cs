using System.Diagnostics;
using HdrHistogram;

namespace Scheduler.LoadTest.Engine;

/// <summary>
/// Latencies (HdrHistogram, microseconds) and counts of the measured part of a run, plus a per-second
/// timeline. Thread-safe; one lock, since requests complete at most a few thousand times a second.
/// </summary>
public sealed class RunStats
{
    private const long HighestMicros = 120_000_000;
    private readonly object _gate = new();
    private readonly Dictionary<(RequestKind, Outcome), LongHistogram> _histograms = [];
    private readonly LongHistogram _all = NewHistogram();
    private readonly List<long[]> _timeline = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Dictionary<Outcome, long> _counts = Enum.GetValues<Outcome>().ToDictionary(o => o, _ => 0L);
    private long _retried;
    private long _retries;
    private readonly Dictionary<string, long> _errors = [];

    public static LongHistogram NewHistogram() => new(1, HighestMicros, 3);

    public TimeSpan Elapsed => _clock.Elapsed;

    public void Record(RequestResult result, TimeSpan latency)
    {
        var micros = Math.Clamp((long)(latency.Ticks / 10), 1, HighestMicros);
        var second = (int)_clock.Elapsed.TotalSeconds;
        lock (_gate)
        {
            if (!_histograms.TryGetValue((result.Kind, result.Outcome), out var histogram))
                _histograms[(result.Kind, result.Outcome)] = histogram = NewHistogram();
            histogram.RecordValue(micros);
            _all.RecordValue(micros);
            _counts[result.Outcome]++;
            if (result.Retries > 0) _retried++;
            _retries += result.Retries;
            if (result.Outcome == Outcome.Error || result.Outcome == Outcome.Rejected)
            {
                var key = result.Detail ?? result.Status.ToString();
                _errors[key] = _errors.GetValueOrDefault(key) + 1;
            }
            while (_timeline.Count <= second) _timeline.Add(new long[Enum.GetValues<Outcome>().Length]);
            _timeline[second][(int)result.Outcome]++;
        }
    }

    /// <summary>Restarts the clock and forgets everything: the end of the warm-up.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _histograms.Clear();
            _all.Reset();
            _timeline.Clear();
            foreach (var key in _counts.Keys.ToList()) _counts[key] = 0;
            _errors.Clear();
            _retried = _retries = 0;
            _clock.Restart();
        }
    }

    public long Count(Outcome outcome)
    {
        lock (_gate) return _counts[outcome];
    }

    public long Total
    {
        get { lock (_gate) return _all.TotalCount; }
    }

    public double P99Millis
    {
        get { lock (_gate) return _all.TotalCount == 0 ? 0 : _all.GetValueAtPercentile(99) / 1000.0; }
    }

    public Snapshot Take(TimeSpan measured)
    {
        lock (_gate)
        {
            return new Snapshot(
                measured,
                new Dictionary<Outcome, long>(_counts),
                _retried,
                _retries,
                new Dictionary<string, long>(_errors),
                _all.Copy(),
                _histograms.ToDictionary(kv => kv.Key, kv => kv.Value.Copy()),
                _timeline.Select(row => (long[])row.Clone()).ToList());
        }
    }

    public sealed record Snapshot(
        TimeSpan Measured,
        IReadOnlyDictionary<Outcome, long> Counts,
        long Retried,
        long Retries,
        IReadOnlyDictionary<string, long> Errors,
        HistogramBase All,
        IReadOnlyDictionary<(RequestKind Kind, Outcome Outcome), HistogramBase> ByKind,
        IReadOnlyList<long[]> Timeline);
}
