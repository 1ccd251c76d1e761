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
/// <para>If the database refuses a combined transaction (a calendar's stale version, a row a
/// constraint forbids, a deadlock), nothing of it was written; each of its commits is then written
/// again on its own, so only the calendar at fault fails, and only its callers hear 503. A transport
/// error (the connection dropped, perhaps after COMMIT) is not retried: the outcome is unknown, so
/// every commit of that transaction fails and its calendar reloads from the tables.</para>
/// </remarks>
public sealed class CalendarCommitQueue(ICalendarBatchWriter writer, ILogger<CalendarCommitQueue> logger, int maxWrites = 2, int maxCommitsPerWrite = 128)
    : ICalendarStore
{
    private sealed record Entry(CalendarCommit Commit, TaskCompletionSource<CommitResult> Done);

    private readonly object _lock = new();
    private readonly Queue<Entry> _queue = new();
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
            startWriter = _writers < maxWrites;
            if (startWriter) _writers++;
        }
        // Off the calling grain's scheduler: the writer serves every calendar of the silo.
        if (startWriter) _ = Task.Run(WriteLoopAsync);
        return entry.Done.Task;
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
            for (var i = 0; i < entries.Count; i++) entries[i].Done.TrySetResult(results[i]);
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

    /// <summary>The database answered and rolled the transaction back: nothing of it was written.</summary>
    private static bool IsRefusal(Exception e) => e is CalendarVersionConflictException or PostgresException;
}
