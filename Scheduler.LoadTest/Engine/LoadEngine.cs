using System.Diagnostics;

namespace Scheduler.LoadTest.Engine;

/// <summary>
/// Sends a scenario's requests. Closed loop (no rate): <c>concurrency</c> workers, each sending its next
/// request when the previous one answered. Open loop (a rate): request i starts at i / rate seconds
/// whether or not earlier ones finished, at most <c>concurrency</c> in flight; its latency is counted
/// from when it was due, so a server that falls behind shows it in the latencies instead of hiding it
/// by slowing the sender down (no coordinated omission).
/// </summary>
public sealed class LoadEngine(RunSettings settings, RunStats stats)
{
    public delegate Task<RequestResult> Step(long index, CancellationToken ct);

    /// <summary>Runs until the duration (after warm-up) or the request count is reached; returns the measured time.</summary>
    public async Task<TimeSpan> Run(Step step, CancellationToken abort)
    {
        var clock = Stopwatch.StartNew();
        var warmupEnd = settings.Warmup;
        var end = settings.Warmup + settings.Duration;
        var warmedUp = settings.Warmup <= TimeSpan.Zero;
        var started = 0L;
        var measuredStarts = 0L;
        var gate = new object();

        // The warm-up lasts its time whatever the request count; -n counts the measured requests
        // only. A request belongs to the phase it was started (closed loop) or due (open loop) in: a
        // warm-up request still in flight when the warm-up ends is not measured.
        Phase ShouldStart(TimeSpan at)
        {
            if (abort.IsCancellationRequested) return Phase.Stop;
            if (!Volatile.Read(ref warmedUp))
            {
                if (at < warmupEnd) return Phase.Warmup;
                lock (gate)
                {
                    if (!warmedUp)
                    {
                        stats.Reset();
                        Volatile.Write(ref warmedUp, true);
                    }
                }
            }
            var more = settings.Requests is { } limit ? Interlocked.Increment(ref measuredStarts) <= limit : at < end;
            return more ? Phase.Measured : Phase.Stop;
        }

        async Task One(long index, long dueTimestamp, Phase phase)
        {
            RequestResult result;
            try
            {
                result = await step(index, abort);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                result = new RequestResult(RequestKind.Booking, Outcome.Error, 0, 0, e.GetType().Name);
            }
            if (phase == Phase.Measured) stats.Record(result, Stopwatch.GetElapsedTime(dueTimestamp));
        }

        if (settings.Rate is { } rate)
        {
            using var inFlight = new SemaphoreSlim(settings.Concurrency);
            var tasks = new List<Task>();
            for (long i = 0; ; i++)
            {
                var due = TimeSpan.FromSeconds(i / rate);
                var phase = ShouldStart(due);
                if (phase == Phase.Stop) break;
                var wait = due - clock.Elapsed;
                if (wait > TimeSpan.FromMilliseconds(1)) await Task.Delay(wait, CancellationToken.None);
                var dueTimestamp = Stopwatch.GetTimestamp() - (long)((clock.Elapsed - due).TotalSeconds * Stopwatch.Frequency);
                var index = i;
                tasks.Add(Task.Run(async () =>
                {
                    await inFlight.WaitAsync(CancellationToken.None);
                    try { await One(index, dueTimestamp, phase); }
                    finally { inFlight.Release(); }
                }));
            }
            await Task.WhenAll(tasks);
        }
        else
        {
            var workers = Enumerable.Range(0, settings.Concurrency).Select(_ => Task.Run(async () =>
            {
                while (true)
                {
                    var index = Interlocked.Increment(ref started) - 1;
                    var phase = ShouldStart(clock.Elapsed);
                    if (phase == Phase.Stop) break;
                    await One(index, Stopwatch.GetTimestamp(), phase);
                }
            }));
            await Task.WhenAll(workers);
        }
        return stats.Elapsed;
    }

    private enum Phase { Stop, Warmup, Measured }
}
