using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Scheduler.Calendar;
using Scheduler.Storage;

namespace Scheduler.Tests.Storage;

/// <summary>
/// The silo's commit queue on its own (no Orleans, no database): each transaction is a task the test
/// completes or fails by hand, recording which calendars' commits it carried.
/// </summary>
public sealed class CalendarCommitQueueTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private sealed class Writer : ICalendarBatchWriter
    {
        private readonly object _lock = new();
        private readonly List<(List<Guid> Calendars, TaskCompletionSource<IReadOnlyList<CommitResult>> Done)> _writes = [];
        private readonly SemaphoreSlim _started = new(0);

        public List<(List<Guid> Calendars, TaskCompletionSource<IReadOnlyList<CommitResult>> Done)> Writes
        {
            get { lock (_lock) return _writes.ToList(); }
        }

        public Task<CalendarSnapshot> LoadAsync(Guid organizerId, DateTimeOffset now, TimeSpan replyRetention) =>
            throw new NotSupportedException("The queue only writes.");

        public Task<IReadOnlyList<CommitResult>> CommitManyAsync(IReadOnlyList<CalendarCommit> commits)
        {
            var done = new TaskCompletionSource<IReadOnlyList<CommitResult>>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_lock) _writes.Add((commits.Select(c => c.OrganizerId).ToList(), done));
            _started.Release();
            return done.Task;
        }

        /// <summary>Waits until the n-th transaction (from 1) has been asked for.</summary>
        public async Task<(List<Guid> Calendars, TaskCompletionSource<IReadOnlyList<CommitResult>> Done)> Started(int n)
        {
            while (Writes.Count < n) Assert.True(await _started.WaitAsync(Patience), $"transaction {n} never started");
            return Writes[n - 1];
        }

        /// <summary>Commits the transaction: each calendar's version goes to expected + 1.</summary>
        public static void Succeed((List<Guid> Calendars, TaskCompletionSource<IReadOnlyList<CommitResult>> Done) write) =>
            write.Done.SetResult(write.Calendars.Select(_ => new CommitResult(Version, new Dictionary<Guid, Guid>())).ToList());
    }

    private const long Version = 8;

    private static CalendarCommit Commit(Guid organizer) => new(
        organizer, Version - 1, null, null, null, DateTimeOffset.UnixEpoch, [], null, [], [], [], [], [], null);

    private static CalendarCommitQueue Queue(Writer writer, int maxWrites) => new(writer, NullLogger<CalendarCommitQueue>.Instance, maxWrites);

    /// <summary>A queue whose writers wait for answered calendars until the test moves the clock by <see cref="ReturnWait"/>.</summary>
    private static CalendarCommitQueue Queue(Writer writer, FakeTimeProvider time) =>
        new(writer, NullLogger<CalendarCommitQueue>.Instance, maxWrites: 1, returnWait: ReturnWait, time: time);

    private static readonly TimeSpan ReturnWait = TimeSpan.FromMilliseconds(2);

    /// <summary>
    /// Calendar a's commit is written and answered while calendar b's waits in the queue; returns both
    /// calendars and b's pending commit. The writer is now waiting for a to come back.
    /// </summary>
    private static async Task<(Guid A, Guid B, Task<CommitResult> Waiting)> AnsweredWhileAnotherWaits(Writer writer, CalendarCommitQueue queue)
    {
        Guid a = Guid.NewGuid(), b = Guid.NewGuid();
        var first = queue.CommitAsync(Commit(a));
        var running = await writer.Started(1);
        var waiting = queue.CommitAsync(Commit(b));
        Writer.Succeed(running);
        await first.WaitAsync(Patience);
        return (a, b, waiting);
    }

    [Fact]
    public async Task A_calendar_answered_by_a_transaction_that_comes_back_with_its_next_commit_rides_in_the_next_transaction()
    {
        var writer = new Writer();
        var queue = Queue(writer, new FakeTimeProvider());
        var (a, b, waiting) = await AnsweredWhileAnotherWaits(writer, queue);
        // a resumes and writes again: the next transaction carries it with b instead of leaving without it.
        var again = queue.CommitAsync(Commit(a));
        var next = await writer.Started(2);
        Assert.Equal(new[] { a, b }.Order(), next.Calendars.Order());
        Writer.Succeed(next);
        await Task.WhenAll(waiting, again).WaitAsync(Patience);
        Assert.Equal(2, writer.Writes.Count);
    }

    [Fact]
    public async Task A_calendar_answered_with_nothing_more_to_write_releases_the_writer_at_once()
    {
        var writer = new Writer();
        var queue = Queue(writer, new FakeTimeProvider());
        var (a, b, waiting) = await AnsweredWhileAnotherWaits(writer, queue);
        queue.CommitsIdle(a);
        var next = await writer.Started(2);
        Assert.Equal([b], next.Calendars);
        Writer.Succeed(next);
        await waiting.WaitAsync(Patience);
    }

    [Fact]
    public async Task A_calendar_that_does_not_come_back_holds_the_next_transaction_only_for_the_wait()
    {
        var writer = new Writer();
        var time = new FakeTimeProvider();
        var queue = Queue(writer, time);
        var (a, b, waiting) = await AnsweredWhileAnotherWaits(writer, queue);
        Assert.Single(writer.Writes);
        Assert.False(waiting.IsCompleted);

        time.Advance(ReturnWait);
        var next = await writer.Started(2);
        Assert.Equal([b], next.Calendars);
        Writer.Succeed(next);
        await waiting.WaitAsync(Patience);
        queue.CommitsIdle(b);
        // a comes back late: it is simply written next.
        var late = queue.CommitAsync(Commit(a));
        Writer.Succeed(await writer.Started(3));
        await late.WaitAsync(Patience);
    }

    [Fact]
    public async Task Commits_of_calendars_arriving_while_a_transaction_runs_leave_together_in_the_next_one()
    {
        var writer = new Writer();
        var queue = Queue(writer, maxWrites: 1);
        Guid a = Guid.NewGuid(), b = Guid.NewGuid(), c = Guid.NewGuid();

        var first = queue.CommitAsync(Commit(a));
        var running = await writer.Started(1);
        var second = queue.CommitAsync(Commit(b));
        var third = queue.CommitAsync(Commit(c));
        Assert.Single(writer.Writes);
        Assert.False(second.IsCompleted);

        Writer.Succeed(running);
        Assert.Equal(Version, (await first.WaitAsync(Patience)).Version);
        var together = await writer.Started(2);
        Assert.Equal([b, c], together.Calendars);
        Assert.False(second.IsCompleted);
        Writer.Succeed(together);
        Assert.Equal(Version, (await second.WaitAsync(Patience)).Version);
        Assert.Equal(Version, (await third.WaitAsync(Patience)).Version);
        Assert.Equal(2, writer.Writes.Count);
    }

    [Fact]
    public async Task A_commit_that_finds_a_free_writer_leaves_at_once_without_waiting_for_others()
    {
        var writer = new Writer();
        var queue = Queue(writer, maxWrites: 2);
        Guid a = Guid.NewGuid(), b = Guid.NewGuid();

        var first = queue.CommitAsync(Commit(a));
        var one = await writer.Started(1);
        // While a's transaction runs, b finds the second writer free and does not wait for a.
        var second = queue.CommitAsync(Commit(b));
        var two = await writer.Started(2);
        Assert.Equal([a], one.Calendars);
        Assert.Equal([b], two.Calendars);
        Writer.Succeed(two);
        Assert.Equal(Version, (await second.WaitAsync(Patience)).Version);
        Assert.False(first.IsCompleted);
        Writer.Succeed(one);
        await Task.WhenAll(first, second).WaitAsync(Patience);
    }

    [Fact]
    public async Task A_transaction_the_database_refuses_fails_only_the_calendar_at_fault()
    {
        var writer = new Writer();
        var queue = Queue(writer, maxWrites: 1);
        Guid a = Guid.NewGuid(), good1 = Guid.NewGuid(), stale = Guid.NewGuid(), good2 = Guid.NewGuid();

        var blocker = queue.CommitAsync(Commit(a));
        var running = await writer.Started(1);
        var first = queue.CommitAsync(Commit(good1));
        var bad = queue.CommitAsync(Commit(stale));
        var last = queue.CommitAsync(Commit(good2));
        Writer.Succeed(running);
        await blocker.WaitAsync(Patience);

        var combined = await writer.Started(2);
        Assert.Equal([good1, stale, good2], combined.Calendars);
        combined.Done.SetException(new CalendarVersionConflictException("stale", new PostgresException("stale", "ERROR", "ERROR", "SC409")));

        // Each is written again on its own: the stale calendar's commit fails, the others land.
        for (var n = 3; n <= 5; n++)
        {
            var alone = await writer.Started(n);
            Assert.Single(alone.Calendars);
            if (alone.Calendars[0] == stale)
                alone.Done.SetException(new CalendarVersionConflictException("stale", new PostgresException("stale", "ERROR", "ERROR", "SC409")));
            else
                Writer.Succeed(alone);
        }
        Assert.Equal(Version, (await first.WaitAsync(Patience)).Version);
        Assert.Equal(Version, (await last.WaitAsync(Patience)).Version);
        await Assert.ThrowsAsync<CalendarVersionConflictException>(() => bad.WaitAsync(Patience));
        Assert.Equal([[a], [good1, stale, good2], [good1], [stale], [good2]], writer.Writes.Select(w => w.Calendars).ToList());
    }

    [Fact]
    public async Task A_transaction_whose_outcome_is_unknown_fails_all_its_commits_and_is_not_written_again()
    {
        var writer = new Writer();
        var queue = Queue(writer, maxWrites: 1);
        Guid a = Guid.NewGuid(), b = Guid.NewGuid(), c = Guid.NewGuid();

        var blocker = queue.CommitAsync(Commit(a));
        var running = await writer.Started(1);
        var second = queue.CommitAsync(Commit(b));
        var third = queue.CommitAsync(Commit(c));
        Writer.Succeed(running);
        await blocker.WaitAsync(Patience);

        // The connection dropped: perhaps after COMMIT. Writing again could apply it twice.
        (await writer.Started(2)).Done.SetException(new IOException("connection reset"));
        await Assert.ThrowsAsync<IOException>(() => second.WaitAsync(Patience));
        await Assert.ThrowsAsync<IOException>(() => third.WaitAsync(Patience));

        // The queue goes on: a later commit is written in a transaction of its own.
        var later = queue.CommitAsync(Commit(a));
        Writer.Succeed(await writer.Started(3));
        await later.WaitAsync(Patience);
        Assert.Equal(3, writer.Writes.Count);
    }
}
