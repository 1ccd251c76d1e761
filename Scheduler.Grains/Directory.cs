using System.Security.Cryptography;

namespace Scheduler;

public sealed class EventTypeDirectoryState
{
    public Guid? OrganizerId { get; set; }
}

public sealed class EventTypeDirectoryGrain(
    [PersistentState("eventtype-directory", "scheduler")] IPersistentState<EventTypeDirectoryState> store)
    : DurableGrain, IEventTypeDirectoryGrain
{
    public async Task Register(Guid organizerId)
    {
        if (store.State.OrganizerId == organizerId) return;
        if (store.State.OrganizerId is not null)
            throw new InvalidOperationException("An event type id cannot change organizer.");
        store.State.OrganizerId = organizerId;
        await WriteOrRetryLaterAsync(store);
    }

    [ReadOnly]
    public Task<Guid?> GetOrganizer() => Task.FromResult(store.State.OrganizerId);
}

public sealed class SigningKeyState
{
    public string? Key { get; set; }
}

public sealed class SigningKeyGrain(
    [PersistentState("signing-key", "scheduler")] IPersistentState<SigningKeyState> store) : DurableGrain, ISigningKeyGrain
{
    public async Task<byte[]> GetKey()
    {
        if (store.State.Key is null)
        {
            store.State.Key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
            await WriteOrRetryLaterAsync(store);
        }
        return Convert.FromBase64String(store.State.Key);
    }
}
