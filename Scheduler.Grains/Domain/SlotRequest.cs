using NodaTime;

namespace Scheduler.Domain;

/// <summary>Everything the slot engine needs about one organizer and one event type.</summary>
/// <param name="OrganizerZone">The zone the weekly rules and date overrides are written in.</param>
/// <param name="Rules">Weekly rules, merged by the engine; need not be merged or sorted.</param>
/// <param name="Duration">Elapsed length of a slot; also the grid step unless <see cref="SlotInterval"/> is set.</param>
/// <param name="Busy">
/// The organizer's active bookings across all event types, each with its own buffers
/// (<see cref="BusyTimes.FromBookings"/>).
/// </param>
/// <param name="Now">Slots starting before this are in the past.</param>
/// <remarks>
/// The optional settings are init-only and default to off, so a plain request behaves as the
/// spine's engine did. Build one with <see cref="For"/> from validated <see cref="EventTypeSettings"/>.
/// </remarks>
public sealed record SlotRequest(
    DateTimeZone OrganizerZone,
    IReadOnlyList<WeeklyRule> Rules,
    Duration Duration,
    BusyTimes Busy,
    Instant Now)
{
    /// <summary>Step between candidate starts, from each window's start; null means the duration.</summary>
    public Duration? SlotInterval { get; init; }

    /// <summary>Time kept free before a slot; may lie outside availability, never on another booking or its buffers.</summary>
    public Duration BufferBefore { get; init; } = Duration.Zero;

    /// <summary>Time kept free after a slot; may lie outside availability, never on another booking or its buffers.</summary>
    public Duration BufferAfter { get; init; } = Duration.Zero;

    /// <summary>A slot must start at least this long after <see cref="SlotRequest.Now"/>.</summary>
    public Duration MinimumNotice { get; init; } = Duration.Zero;

    /// <summary>
    /// Rolling booking horizon: a slot's local date (organizer's zone) is at most this many days
    /// after today's local date there (0 = today only); null = no horizon.
    /// </summary>
    public int? MaxDaysInFuture { get; init; }

    /// <summary>At most this many of <see cref="EventTypeBookings"/> start on one local date; null = no limit.</summary>
    public int? MaxBookingsPerDay { get; init; }

    /// <summary>At most this many of <see cref="EventTypeBookings"/> start in one ISO week (Monday to Sunday, organizer's zone); null = no limit.</summary>
    public int? MaxBookingsPerWeek { get; init; }

    /// <summary>Starts of this event type's active bookings, for the per-day and per-week limits.</summary>
    public BookingStarts EventTypeBookings { get; init; } = BookingStarts.None;

    /// <summary>Per local date, availability that replaces the weekly rules; at most one per date.</summary>
    public IReadOnlyList<DateOverride> Overrides { get; init; } = [];

    /// <summary>Blocked time (the organizer's events without bookings): no slot or its buffers may overlap it.</summary>
    public BusyTimes Blocked { get; init; } = BusyTimes.None;

    /// <summary>
    /// What a booking made at <paramref name="start"/> for this event type will hold: its slot and
    /// this event type's buffers. Store the buffers with the booking, so that later changes to the
    /// event type's settings never make two existing bookings overlap.
    /// </summary>
    public BookedTime BookingAt(Instant start) => new(start, start + Duration, BufferBefore, BufferAfter);

    /// <summary>
    /// A request for one event type with its settings; overrides, blocked time and this event
    /// type's booking starts are added with a <c>with</c> expression or the init properties.
    /// </summary>
    public static SlotRequest For(
        DateTimeZone organizerZone,
        IReadOnlyList<WeeklyRule> rules,
        EventTypeSettings settings,
        BusyTimes busy,
        Instant now) =>
        new(organizerZone, rules, Duration.FromMinutes(settings.DurationMinutes), busy, now)
        {
            SlotInterval = settings.SlotIntervalMinutes is { } interval ? Duration.FromMinutes(interval) : null,
            BufferBefore = Duration.FromMinutes(settings.BufferBeforeMinutes ?? 0),
            BufferAfter = Duration.FromMinutes(settings.BufferAfterMinutes ?? 0),
            MinimumNotice = Duration.FromMinutes(settings.MinimumNoticeMinutes ?? 0),
            MaxDaysInFuture = settings.MaxDaysInFuture,
            MaxBookingsPerDay = settings.MaxBookingsPerDay,
            MaxBookingsPerWeek = settings.MaxBookingsPerWeek,
        };
}
