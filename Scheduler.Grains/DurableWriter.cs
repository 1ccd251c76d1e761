namespace Scheduler;

/// <summary>
/// Group commit for a reentrant grain. Callers make their decision synchronously, then await
/// <see cref="CommitAsync"/>: decisions made while a write is in flight ride together on the next
/// write, so one grain keeps up with many concurrent callers without ever acknowledging a decision
/// before the write that holds it has completed.
/// </summary>
/// <remarks>
/// A failed write poisons the writer: every caller whose decision is not yet durable gets a
/// <see cref="RetryLaterException"/>, later calls are refused, and <paramref name="onFailure"/>
/// (deactivation) makes the next call reload from storage. Nothing is "undone" in memory: the
/// only honest answer after a failed write is "unknown — retry".
/// Not thread-safe by design: it runs on the grain's single-threaded scheduler.
/// </remarks>
internal sealed class DurableWriter(Func<Task> write, Action<Exception> onFailure)
{
    private TaskCompletionSource? _pending;   // decisions waiting for the next write
    private TaskCompletionSource? _inFlight;  // decisions carried by the running write
    private Exception? _failure;

    public bool IsBroken => _failure is not null;

    /// <summary>Completes once everything decided so far is durable.</summary>
    public Task CommitAsync()
    {
        ThrowIfBroken();
        _pending ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var task = _pending.Task;
        if (_inFlight is null) _ = RunAsync();
        return task;
    }

    /// <summary>Completes once every decision already taken is durable, without asking for a write.</summary>
    public Task WhenDurableAsync()
    {
        ThrowIfBroken();
        return (_pending ?? _inFlight)?.Task ?? Task.CompletedTask;
    }

    public void ThrowIfBroken()
    {
        if (_failure is not null)
            throw new RetryLaterException("The calendar is reloading after a failed write; retry shortly.");
    }

    private async Task RunAsync()
    {
        while (_pending is { } batch)
        {
            _pending = null;
            _inFlight = batch;
            try
            {
                await write();
            }
            catch (Exception e)
            {
                _failure = e;
                var error = new RetryLaterException("The decision could not be made durable; its outcome is unknown. Retry (with the same Idempotency-Key).");
                batch.TrySetException(error);
                _pending?.TrySetException(error);
                _pending = null;
                _inFlight = null;
                onFailure(e);
                return;
            }
            _inFlight = null;
            batch.TrySetResult();
        }
    }
}
