using System.Collections.Concurrent;
using Scheduler.LoadTest.Engine;
using Scheduler.LoadTest.Targets;

namespace Scheduler.LoadTest.Scenarios;

/// <summary>
/// Visitors browsing booking pages: slot queries over one to four weeks of office-hours calendars, and
/// a trickle of bookings (one request in <c>--book-every</c>) of slots a recent query showed.
/// </summary>
public sealed class Browse(ScenarioContext context) : Scenario(context)
{
    private readonly ConcurrentDictionary<int, IReadOnlyList<Slot>> _seen = new();

    public override string Name => "browse";

    public override Task Setup(CancellationToken ct) =>
        Context.CreateCalendars(Context.Settings.Organizers, CalendarShape.OfficeHoursHalfHours, ct);

    public override async Task<RequestResult> Step(long index, CancellationToken ct)
    {
        var random = new Random(HashCode.Combine(Context.Settings.Seed, index));
        var organizer = random.Next(Context.Calendars.Count);
        var calendar = Context.Calendars[organizer];
        var bookEvery = Math.Max(1, Context.Settings.BookEvery);
        if (index % bookEvery == bookEvery - 1 && _seen.TryGetValue(organizer, out var slots) && slots.Count > 0)
            return await Book(calendar, slots[random.Next(slots.Count)].Start, index, ct);

        var from = Context.FirstDay.AddDays(random.Next(0, 28));
        var to = from.AddDays(random.Next(7, 29) - 1);
        try
        {
            _seen[organizer] = await Context.Target.Slots(calendar, from, to, ct);
            return new RequestResult(RequestKind.SlotQuery, Outcome.Read, 0, 200);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException && !ct.IsCancellationRequested)
        {
            return new RequestResult(RequestKind.SlotQuery, Outcome.Error, 0, 0, "slots: " + e.GetType().Name);
        }
    }
}
