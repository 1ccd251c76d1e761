namespace Scheduler;

/// <summary>
/// Group commit for a reentrant grain. Callers make their decision synchronously, record what it
/// changed in <see cref="Pending"/>, then await <see cref="CommitAsync"/>: decisions made while a
/// write is in flight collect in the next batch and ride together on the next write, so one grain
/// keeps up with many concurrent callers without ever acknowledging a decision before the write
/// that holds it has completed.
/// </summary>
/// <remarks>
/// The write delegate is invoked on the caller's (the grain's) turn and must take everything it
/// needs from the batch and the live state before its first <c>await</c>: decisions interleave at
/// every await, and a snapshot taken later could carry decisions its batch does not answer for.
/// A failed write poisons the writer: every caller whose decision is not yet durable gets a
/// <see cref="RetryLaterException"/>, later calls are refused, and <c>onFailure</c> (deactivation)
/// makes the next call reload from storage. Nothing is "undone" in memory, and nothing is retried:
/// after a failed write the only honest answer is "unknown — retry". <c>onIdle</c> is told when a
/// completed write finds no decision waiting (the writer stops until the next one), and after a failure.
/// Not thread-safe by design: it runs on the grain's single-threaded scheduler.
/// </remarks>
public sealed class GroupCommit<TBatch>(Func<TBatch> newBatch, Func<TBatch, Task> write, Action<Exception> onFailure, Action? onIdle = null)
    where TBatch : class
{
    private TBatch? _pending;
    private TaskCompletionSource? _pendingDone;   // callers waiting for the next write
    private TaskCompletionSource? _inFlightDone;  // callers carried by the running write
    private Exception? _failure;

    public bool IsBroken => _failure is not null;

    /// <summary>Whether a write is running now.</summary>
    public bool IsWriting => _inFlightDone is not null;

    /// <summary>The batch the next write will carry; decisions add their changes here.</summary>
    public TBatch Pending
    {
        get
        {
            ThrowIfBroken();
            return _pending ??= newBatch();
        }
    }

    /// <summary>Completes once everything decided so far (the pending batch included) is durable.</summary>
    public Task CommitAsync()
    {
        ThrowIfBroken();
        _pending ??= newBatch();
        _pendingDone ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var task = _pendingDone.Task;
        if (_inFlightDone is null) _ = RunAsync();
        return task;
    }

    /// <summary>Completes once every decision already taken is durable, without asking for a write.</summary>
    public Task WhenDurableAsync()
    {
        ThrowIfBroken();
        return (_pendingDone ?? _inFlightDone)?.Task ?? Task.CompletedTask;
    }

    public void ThrowIfBroken()
    {
        if (_failure is not null)
            throw new RetryLaterException("The calendar is reloading after a failed write; retry shortly.");
    }

    private async Task RunAsync()
    {
        while (_pendingDone is { } done)
        {
            var batch = _pending ?? newBatch();
            _pending = null;
            _pendingDone = null;
            _inFlightDone = done;
            try
            {
                await write(batch);
            }
            catch (Exception e)
            {
                _failure = e;
                var error = new RetryLaterException("The decision could not be made durable; its outcome is unknown. Retry (with the same Idempotency-Key).");
                done.TrySetException(error);
                _pendingDone?.TrySetException(error);
                _pendingDone = null;
                _pending = null;
                _inFlightDone = null;
                onFailure(e);
                onIdle?.Invoke();
                return;
            }
            _inFlightDone = null;
            done.TrySetResult();
        }
        onIdle?.Invoke();
    }
}
