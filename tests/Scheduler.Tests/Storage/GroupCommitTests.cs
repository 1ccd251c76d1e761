namespace Scheduler.Tests.Storage;

/// <summary>
/// The group-commit protocol on its own (no Orleans, no database): a write is a task the test
/// completes or fails by hand, so every interleaving is spelled out.
/// </summary>
public sealed class GroupCommitTests
{
    private sealed class Batch
    {
        public List<string> Decisions { get; } = [];
    }

    /// <summary>A writer whose writes wait until the test releases them, recording what each carried.</summary>
    private sealed class Harness
    {
        public List<(List<string> Carried, TaskCompletionSource Done)> Writes { get; } = [];
        public List<Exception> Failures { get; } = [];
        public GroupCommit<Batch> Writer { get; }
        private int _idles;
        public int Idles => Volatile.Read(ref _idles);

        public Harness() => Writer = new GroupCommit<Batch>(() => new Batch(), Write, Failures.Add, () => Interlocked.Increment(ref _idles));

        private Task Write(Batch batch)
        {
            // Like the calendar: the rows are copied on the caller's turn, before any await.
            var carried = batch.Decisions.ToList();
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Writes.Add((carried, done));
            return done.Task;
        }

        public Task Decide(string decision)
        {
            Writer.Pending.Decisions.Add(decision);
            return Writer.CommitAsync();
        }
    }

    [Fact]
    public async Task A_caller_is_released_only_after_the_write_holding_its_decision_completes()
    {
        var h = new Harness();
        var first = h.Decide("a");
        Assert.Single(h.Writes);
        Assert.False(first.IsCompleted);

        h.Writes[0].Done.SetResult();
        await first.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(["a"], h.Writes[0].Carried);
    }

    [Fact]
    public async Task Decisions_made_during_a_write_ride_together_on_the_next_one()
    {
        var h = new Harness();
        var first = h.Decide("a");
        var second = h.Decide("b");
        var third = h.Decide("c");
        Assert.Single(h.Writes);

        h.Writes[0].Done.SetResult();
        await first.WaitAsync(TimeSpan.FromSeconds(5));
        await WaitFor(() => h.Writes.Count == 2);
        Assert.False(second.IsCompleted);
        Assert.False(third.IsCompleted);
        Assert.Equal(["b", "c"], h.Writes[1].Carried);

        h.Writes[1].Done.SetResult();
        await Task.WhenAll(second, third).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(2, h.Writes.Count);
    }

    [Fact]
    public async Task The_writer_says_it_is_idle_only_when_a_completed_write_finds_no_decision_waiting()
    {
        var h = new Harness();
        var first = h.Decide("a");
        var second = h.Decide("b");
        h.Writes[0].Done.SetResult();
        await first.WaitAsync(TimeSpan.FromSeconds(5));
        await WaitFor(() => h.Writes.Count == 2);
        Assert.Equal(0, h.Idles);

        h.Writes[1].Done.SetResult();
        await second.WaitAsync(TimeSpan.FromSeconds(5));
        await WaitFor(() => h.Idles == 1);

        var failing = h.Decide("c");
        h.Writes[2].Done.SetException(new IOException("refused"));
        await Assert.ThrowsAsync<RetryLaterException>(() => failing.WaitAsync(TimeSpan.FromSeconds(5)));
        await WaitFor(() => h.Idles == 2);
    }

    [Fact]
    public async Task A_failed_write_fails_every_caller_not_yet_durable_and_refuses_new_ones()
    {
        var h = new Harness();
        var durable = h.Decide("a");
        h.Writes[0].Done.SetResult();
        await durable.WaitAsync(TimeSpan.FromSeconds(5));

        var inFlight = h.Decide("b");
        var queued = h.Decide("c");
        h.Writes[1].Done.SetException(new IOException("disk on fire"));

        await Assert.ThrowsAsync<RetryLaterException>(() => inFlight.WaitAsync(TimeSpan.FromSeconds(5)));
        await Assert.ThrowsAsync<RetryLaterException>(() => queued.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.IsType<IOException>(Assert.Single(h.Failures));
        Assert.True(h.Writer.IsBroken);
        // The queued decision was never written, and nothing is retried behind the callers' backs.
        Assert.Equal(2, h.Writes.Count);

        Assert.Throws<RetryLaterException>(() => h.Writer.Pending);
        Assert.Throws<RetryLaterException>(() => { _ = h.Writer.CommitAsync(); });
        Assert.Throws<RetryLaterException>(() => { _ = h.Writer.WhenDurableAsync(); });
    }

    [Fact]
    public async Task Waiting_for_durability_asks_for_no_write_and_ends_with_the_last_write()
    {
        var h = new Harness();
        Assert.True(h.Writer.WhenDurableAsync().IsCompletedSuccessfully);

        var decided = h.Decide("a");
        var durable = h.Writer.WhenDurableAsync();
        Assert.False(durable.IsCompleted);
        Assert.Single(h.Writes);

        h.Writes[0].Done.SetResult();
        await Task.WhenAll(decided, durable).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Single(h.Writes);
    }

    [Fact]
    public async Task No_caller_waits_forever_under_a_stream_of_decisions()
    {
        var h = new Harness();
        for (var round = 0; round < 50; round++)
        {
            // The test only decides while the writer is idle: it is single-threaded by design.
            var first = h.Decide($"d{round}-1");
            var second = h.Decide($"d{round}-2");
            h.Writes[2 * round].Done.SetResult();
            await WaitFor(() => h.Writes.Count == 2 * round + 2);
            h.Writes[2 * round + 1].Done.SetResult();
            await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(5));
            await WaitFor(() => !h.Writer.IsWriting);
        }
        // Every decision was carried by exactly one write, and no empty write was made.
        Assert.Equal(100, h.Writes.Count);
        Assert.Equal(100, h.Writes.SelectMany(w => w.Carried).Distinct().Count());
        Assert.All(h.Writes, w => Assert.Single(w.Carried));
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        var elapsed = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (elapsed.Elapsed > TimeSpan.FromSeconds(5)) Assert.Fail("the writer did not move on");
            await Task.Yield();
        }
    }
}
