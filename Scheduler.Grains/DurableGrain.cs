namespace Scheduler;

/// <summary>
/// Base for the simple (non-reentrant) grains: a state write that fails leaves memory holding a
/// change storage may not have, so the activation is dropped and the next call reloads; the
/// caller learns "unknown — retry" (503 at the API), never a 500 and never a half-made change.
/// </summary>
public abstract class DurableGrain : Grain
{
    protected async Task WriteOrRetryLaterAsync<T>(IPersistentState<T> store)
    {
        try
        {
            await store.WriteStateAsync();
        }
        catch (Exception e) when (e is not RetryLaterException)
        {
            DeactivateOnIdle();
            throw new RetryLaterException("The change could not be stored; its outcome is unknown. Retry.");
        }
    }
}
