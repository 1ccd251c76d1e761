using Microsoft.Extensions.Logging;
using Npgsql;
using Scheduler.Calendar;

namespace Scheduler.Storage;

/// <summary>Writes several calendars' commits in one transaction, all or nothing.</summary>
public interface ICalendarBatchWriter
{
    Task<CalendarSnapshot> LoadAsync(Guid organizerId, DateTimeOffset now, TimeSpan replyRetention);

    /// <summary>One result per commit, in order; throws if anything failed (then nothing was written).</summary>
    Task<IReadOnlyList<CommitResult>> CommitManyAsync(IReadOnlyList<CalendarCommit> commits);
}

/// <summary>
/// The silo's commit queue: carries the group commits of many calendars in one PostgreSQL
/// transaction, so that a silo hosting many calendars with a few bookers each pays one transaction
/// for all of them instead of one per calendar.
/// </summary>
/// <remarks>
/// At most <c>maxWrites</c> transactions run at a time; commits that arrive while they run wait
/// and leave together in the next one (up to <c>maxCommitsPerWrite</c>). With no queue there is no
/// wait: a commit that finds a free writer leaves at once. Each calendar still has at most one commit
/// in flight (its own <see cref="GroupCommit{TBatch}"/>), so two transactions never carry the same
/// calendar, and each commit is still checked against its own calendar's version.
/// <para>After a transaction, its writer waits (at most <c>returnWait</c>) for the calendars it just
/// answered to come back, each with its next commit or saying it has none
/// (<see cref="ICalendarStore.CommitsIdle"/>), before taking the next transaction. Without that wait
/// the next transaction would leave while those calendars were still resuming, and the calendars
/// would settle into cohorts that alternate between transactions: twice the transactions for the
/// same bookings.</para>
/// <para>If the database refuses a combined transaction (a calendar's stale version, a row a
/// constraint forbids, a deadlock), nothing of it was written; each of its commits is then written
/// again on its own, so only the calendar at fault fails, and only its callers hear 503. A transport
/// error (the connection dropped, perhaps after COMMIT) is not retried: the outcome is unknown, so
/// every commit of that transaction fails and its calendar reloads from the tables.</para>
/// </remarks>
public sealed class CalendarCommitQueue(ICalendarBatchWriter writer, ILogger<CalendarCommitQueue> logger, int maxWrites = 1,
    int maxCommitsPerWrite = 128, TimeSpan? returnWait = null, TimeProvider? time = null)
    : ICalendarStore
{
    /// <summary>How long a writer waits for the calendars it answered by default: far longer than a resuming grain needs.</summary>
    public static readonly TimeSpan DefaultReturnWait = TimeSpan.FromMilliseconds(2);

    private sealed record Entry(CalendarCommit Commit, TaskCompletionSource<CommitResult> Done);

    /// <summary>The calendars a writer answered and is waiting for.</summary>
    private sealed class Returns(HashSet<Guid> calendars)
    {
        public HashSet<Guid> Calendars { get; } = calendars;
        public TaskCompletionSource AllBack { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private readonly object _lock = new();
    private readonly Queue<Entry> _queue = new();
    private readonly Dictionary<Guid, Returns> _awaited = new();
    private readonly TimeSpan _returnWait = returnWait ?? DefaultReturnWait;
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private int _writers;

    public Task<CalendarSnapshot> LoadAsync(Guid organizerId, DateTimeOffset now, TimeSpan replyRetention) =>
        writer.LoadAsync(organizerId, now, replyRetention);

    public Task<CommitResult> CommitAsync(CalendarCommit commit)
    {
        var entry = new Entry(commit, new TaskCompletionSource<CommitResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        bool startWriter;
        lock (_lock)
        {
            _queue.Enqueue(entry);
            Returned(commit.OrganizerId);
            startWriter = _writers < maxWrites;
            if (startWriter) _writers++;
        }
        // Off the calling grain's scheduler: the writer serves every calendar of the silo.
        if (startWriter) _ = Task.Run(WriteLoopAsync);
        return entry.Done.Task;
    }

    public void CommitsIdle(Guid organizerId)
    {
        lock (_lock) Returned(organizerId);
    }

    /// <summary>Under the lock: the calendar is back (with a commit, or idle).</summary>
    private void Returned(Guid organizerId)
    {
        if (!_awaited.Remove(organizerId, out var returns)) return;
        returns.Calendars.Remove(organizerId);
        if (returns.Calendars.Count == 0) returns.AllBack.TrySetResult();
    }

    private async Task WriteLoopAsync()
    {
        while (true)
        {
            List<Entry> entries;
            lock (_lock)
            {
                if (_queue.Count == 0)
                {
                    _writers--;
                    return;
                }
                entries = new List<Entry>(Math.Min(_queue.Count, maxCommitsPerWrite));
                while (entries.Count < maxCommitsPerWrite && _queue.TryDequeue(out var entry)) entries.Add(entry);
            }
            await WriteAsync(entries).ConfigureAwait(false);
        }
    }

    private async Task WriteAsync(List<Entry> entries)
    {
        SchedulerMetrics.CommitCalendars.Record(entries.Count);
        try
        {
            var results = await writer.CommitManyAsync(entries.Select(e => e.Commit).ToList()).ConfigureAwait(false);
            var returns = new Returns(entries.Select(e => e.Commit.OrganizerId).ToHashSet());
            lock (_lock)
            {
                foreach (var calendar in returns.Calendars) _awaited[calendar] = returns;
            }
            for (var i = 0; i < entries.Count; i++) entries[i].Done.TrySetResult(results[i]);
            await AwaitReturnsAsync(returns).ConfigureAwait(false);
            return;
        }
        catch (Exception e) when (entries.Count > 1 && IsRefusal(e))
        {
            // Nothing was written; find the calendar at fault by writing each on its own.
            logger.LogWarning("A transaction of {Count} calendars' commits was refused ({Reason}); writing each on its own",
                entries.Count, e.Message);
        }
        catch (Exception e)
        {
            foreach (var entry in entries) entry.Done.TrySetException(e);
            return;
        }

        foreach (var entry in entries)
        {
            try
            {
                var results = await writer.CommitManyAsync([entry.Commit]).ConfigureAwait(false);
                entry.Done.TrySetResult(results[0]);
            }
            catch (Exception e)
            {
                entry.Done.TrySetException(e);
            }
        }
    }

    /// <summary>
    /// Waits until every calendar just answered has come back or <c>returnWait</c> has passed (a
    /// calendar that deactivated, or a busy one, does not hold the others up for longer).
    /// </summary>
    private async Task AwaitReturnsAsync(Returns returns)
    {
        try
        {
            await returns.AllBack.Task.WaitAsync(_returnWait, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            SchedulerMetrics.CommitReturnTimeouts.Add(1);
        }
        lock (_lock)
        {
            foreach (var calendar in returns.Calendars)
            {
                if (_awaited.TryGetValue(calendar, out var awaited) && awaited == returns) _awaited.Remove(calendar);
            }
        }
    }

    /// <summary>The database answered and rolled the transaction back: nothing of it was written.</summary>
    private static bool IsRefusal(Exception e) => e is CalendarVersionConflictException or PostgresException;
}
