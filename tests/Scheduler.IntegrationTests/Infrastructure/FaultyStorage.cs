using Orleans.Storage;
using Scheduler.Calendar;
using Scheduler.Storage;

namespace Scheduler.IntegrationTests.Infrastructure;

/// <summary>
/// Wraps the real ADO.NET storage and fails writes on demand, after the real write or instead of
/// it, to check that no caller is told "booked" when the write did not (or may not have) succeed.
/// </summary>
public sealed class FaultyStorage(IGrainStorage inner, StorageFaults faults) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (faults.WriteLatency > TimeSpan.Zero)
        {
            // Like a busy connection pool: the provider continues on a thread-pool thread while
            // the grain (if reentrant) goes on deciding.
            await Task.Delay(faults.WriteLatency).ConfigureAwait(false);
        }
        var mode = faults.Next(stateName);
        if (mode == FaultMode.FailBeforeWrite) throw new IOException("Injected storage fault (nothing written).");
        await inner.WriteStateAsync(stateName, grainId, grainState);
        if (mode == FaultMode.FailAfterWrite) throw new IOException("Injected storage fault (written, but the answer was lost).");
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ClearStateAsync(stateName, grainId, grainState);
}

public enum FaultMode { None, FailBeforeWrite, FailAfterWrite }

/// <summary>A switch the test flips: the next N writes of one state name fail.</summary>
public sealed class StorageFaults
{
    private readonly Lock _lock = new();
    private string? _stateName;
    private int _remaining;
    private FaultMode _mode;

    public void FailNextWrites(string stateName, int count, FaultMode mode)
    {
        lock (_lock) { _stateName = stateName; _remaining = count; _mode = mode; }
    }

    public void Clear() => FailNextWrites("", 0, FaultMode.None);

    /// <summary>Delay before each write reaches the real provider.</summary>
    public TimeSpan WriteLatency { get; set; }

    public FaultMode Next(string stateName)
    {
        lock (_lock)
        {
            if (_remaining <= 0 || stateName != _stateName) return FaultMode.None;
            _remaining--;
            return _mode;
        }
    }
}

/// <summary>
/// Wraps the calendars' commits like <see cref="FaultyStorage"/> wraps grain state: the state name
/// the faults name is "calendar".
/// </summary>
public sealed class FaultyCalendarStore(ICalendarStore inner, StorageFaults faults) : ICalendarStore
{
    public const string StateName = "calendar";

    public Task<CalendarSnapshot> LoadAsync(Guid organizerId, DateTimeOffset now, TimeSpan replyRetention) =>
        inner.LoadAsync(organizerId, now, replyRetention);

    public async Task<CommitResult> CommitAsync(CalendarCommit commit)
    {
        if (faults.WriteLatency > TimeSpan.Zero) await Task.Delay(faults.WriteLatency).ConfigureAwait(false);
        var mode = faults.Next(StateName);
        if (mode == FaultMode.FailBeforeWrite) throw new IOException("Injected commit fault (nothing written).");
        var result = await inner.CommitAsync(commit);
        if (mode == FaultMode.FailAfterWrite) throw new IOException("Injected commit fault (committed, but the answer was lost).");
        return result;
    }
    public void CommitsIdle(Guid organizerId) => inner.CommitsIdle(organizerId);
}
