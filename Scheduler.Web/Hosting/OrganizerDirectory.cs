using System.Collections.Concurrent;

namespace Scheduler.Web.Hosting;

/// <summary>
/// Which organizer owns an event type. The answer never changes once known, so each front end
/// caches it: a busy public booking page costs no extra grain call per request.
/// </summary>
public sealed class OrganizerDirectory(IGrainFactory grains)
{
    private const int MaxEntries = 100_000;
    private readonly ConcurrentDictionary<Guid, Guid> _known = new();

    public async Task<Guid?> FindOrganizer(Guid eventTypeId)
    {
        if (_known.TryGetValue(eventTypeId, out var organizer)) return organizer;
        var found = await grains.GetGrain<IEventTypeDirectoryGrain>(eventTypeId).GetOrganizer();
        if (found is { } id)
        {
            if (_known.Count >= MaxEntries) _known.Clear();
            _known[eventTypeId] = id;
        }
        return found;
    }
}
