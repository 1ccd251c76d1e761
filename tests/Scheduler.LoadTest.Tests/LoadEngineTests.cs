namespace Scheduler.LoadTest.Tests;

/// <summary>The engine's request count and warm-up, with a step that answers at once (no server).</summary>
public sealed class LoadEngineTests
{
    private static RunSettings Settings(int requests, TimeSpan warmup, double? rate = null) => new()
    {
        Scenario = "hot-calendar",
        Url = new Uri("http://127.0.0.1:1"),
        Concurrency = 4,
        Requests = requests,
        Warmup = warmup,
        Rate = rate,
    };

    private static async Task<(long Measured, long Steps)> Run(RunSettings settings)
    {
        var stats = new RunStats();
        var steps = 0L;
        await new LoadEngine(settings, stats).Run(async (_, _) =>
        {
            Interlocked.Increment(ref steps);
            await Task.Yield();
            return new RequestResult(RequestKind.Booking, Outcome.Accepted, 0, 201);
        }, CancellationToken.None);
        return (stats.Total, steps);
    }

    [Fact]
    public async Task Without_a_warm_up_n_requests_are_sent_and_measured()
    {
        var (measured, steps) = await Run(Settings(40, TimeSpan.Zero));

        Assert.Equal(40, steps);
        Assert.Equal(40, measured);
    }

    [Fact]
    public async Task A_warm_up_lasts_its_time_and_n_counts_only_the_requests_after_it()
    {
        // A step answers in microseconds: far more than 40 requests fit in the warm-up.
        var (measured, steps) = await Run(Settings(40, TimeSpan.FromMilliseconds(300)));

        Assert.True(steps > 40 + 4, $"{steps} steps: the warm-up ended with the request count instead of its time");
        // Only the 40 requests started after it are measured, not warm-up requests still in flight.
        Assert.Equal(40, measured);
    }

    [Fact]
    public async Task In_an_open_loop_the_warm_up_is_its_due_requests_and_n_more_follow()
    {
        // 1 000 requests per second: the first 100 are due during the 100 ms warm-up.
        var (measured, steps) = await Run(Settings(30, TimeSpan.FromMilliseconds(100), rate: 1000));

        Assert.Equal(100 + 30, steps);
        // However late the warm-up's requests ran (a busy machine), only the 30 due after it are measured.
        Assert.Equal(30, measured);
    }
}
