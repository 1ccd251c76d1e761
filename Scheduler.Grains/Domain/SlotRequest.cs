using NodaTime;

namespace Scheduler.Domain;

/// <summary>Everything the slot engine needs about one organizer and one event type.</summary>
/// <param name="OrganizerZone">The zone the weekly rules are written in.</param>
/// <param name="Rules">Weekly rules, merged by the engine; need not be merged or sorted.</param>
/// <param name="Duration">Elapsed length of a slot; also the grid step between candidate starts.</param>
/// <param name="Busy">The organizer's active bookings across all event types.</param>
/// <param name="Now">Slots starting before this are in the past.</param>
/// <remarks>
/// Per-event-type options that come later (a slot interval distinct from the duration, buffers,
/// minimum notice, booking horizon, seats) join as init-only properties whose defaults switch
/// them off, so existing callers and the rules here stay as they are.
/// </remarks>
public sealed record SlotRequest(
    DateTimeZone OrganizerZone,
    IReadOnlyList<WeeklyRule> Rules,
    Duration Duration,
    BusyTimes Busy,
    Instant Now);
