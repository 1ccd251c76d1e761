using NodaTime;
using NodaTime.TimeZones;

namespace Scheduler.Domain;

/// <summary>
/// Computes bookable slots from weekly rules in the organizer's zone, and classifies a requested
/// start. Pure: no clock, no storage; everything arrives in a <see cref="SlotRequest"/>.
/// </summary>
public static class SlotEngine
{
    // A window ending at an ambiguous local time ends at its later occurrence (the organizer is
    // still there for the repeated hour); one ending in a gap ends as if the clocks had not jumped
    // yet, i.e. shifted forward by the gap, as NodaTime's lenient resolver does.
    private static readonly ZoneLocalMappingResolver WindowEndResolver =
        Resolvers.CreateMappingResolver(Resolvers.ReturnLater, Resolvers.ReturnForwardShifted);

    /// <summary>
    /// Offered slots whose start lies in [<paramref name="rangeStart"/>, <paramref name="rangeEnd"/>),
    /// ascending by start, without duplicates: on the rules' grid, whole inside their window,
    /// not in the past, and not overlapping a busy interval.
    /// </summary>
    public static IReadOnlyList<Slot> Slots(SlotRequest request, Instant rangeStart, Instant rangeEnd)
    {
        var duration = ValidDuration(request);
        if (rangeEnd <= rangeStart)
        {
            return [];
        }

        var zone = request.OrganizerZone;
        var windows = WindowsByDay(request.Rules);
        var found = new List<Slot>();

        // A slot's start instant has, in the organizer's zone, exactly the local time it was made
        // from, so only dates from the range start's to the range end's can contribute; one day of
        // margin on each side costs little and keeps that argument from being load-bearing.
        var last = rangeEnd.InZone(zone).Date.PlusDays(1);
        for (var date = rangeStart.InZone(zone).Date.PlusDays(-1); date <= last; date = date.PlusDays(1))
        {
            foreach (var window in windows[(int)date.DayOfWeek])
            {
                AddGridSlots(zone, date, window, duration, found);
            }
        }

        found.RemoveAll(slot =>
            slot.Start < rangeStart || slot.Start >= rangeEnd ||
            slot.Start < request.Now ||
            request.Busy.Overlaps(slot.Start, slot.End));
        found.Sort((a, b) => a.Start.CompareTo(b.Start));

        // Distinct local times never map to one instant, so duplicates cannot arise today; the
        // check keeps "no duplicates" a guarantee of this method rather than of that argument.
        var distinct = new List<Slot>(found.Count);
        foreach (var slot in found)
        {
            if (distinct.Count == 0 || distinct[^1].Start != slot.Start)
            {
                distinct.Add(slot);
            }
        }

        return distinct;
    }

    /// <summary>Whether booking <paramref name="start"/> would succeed, conflict, or is not offered at all.</summary>
    public static StartVerdict Classify(SlotRequest request, Instant start)
    {
        var duration = ValidDuration(request);
        if (start < request.Now)
        {
            return StartVerdict.OutsideAvailability;
        }

        // Same argument as in Slots: a grid slot starting at this instant belongs to its local date.
        var zone = request.OrganizerZone;
        var date = start.InZone(zone).Date;
        var gridSlots = new List<Slot>();
        foreach (var window in WindowsByDay(request.Rules)[(int)date.DayOfWeek])
        {
            AddGridSlots(zone, date, window, duration, gridSlots);
        }

        var match = gridSlots.FindIndex(slot => slot.Start == start);
        if (match < 0)
        {
            return StartVerdict.OutsideAvailability;
        }

        return request.Busy.Overlaps(start, gridSlots[match].End) ? StartVerdict.Taken : StartVerdict.Offered;
    }

    /// <summary>
    /// The instants a viewer means by the dates <paramref name="from"/> to <paramref name="to"/>
    /// (inclusive) in their zone: from the start of <paramref name="from"/> to the start of the day
    /// after <paramref name="to"/>. A day that starts in a gap starts at the first instant it has.
    /// </summary>
    public static (Instant Start, Instant End) DateRange(LocalDate from, LocalDate to, DateTimeZone viewerZone)
    {
        if (to < from)
        {
            throw new ArgumentException($"to ({to:uuuu-MM-dd}) must not be before from ({from:uuuu-MM-dd}).", nameof(to));
        }

        return (from.AtStartOfDayInZone(viewerZone).ToInstant(),
                to.PlusDays(1).AtStartOfDayInZone(viewerZone).ToInstant());
    }

    /// <summary>
    /// Adds every slot of one window on one date, before any filtering: candidate local starts
    /// step by the duration from the window's start while before its end; a start in a gap does
    /// not exist and is dropped; an ambiguous one happens twice, so both instants count; a slot
    /// must end, in elapsed time, no later than the window's end instant.
    /// </summary>
    private static void AddGridSlots(DateTimeZone zone, LocalDate date, WeeklyRule window, Duration duration, List<Slot> into)
    {
        var midnight = date.AtMidnight();
        var windowStart = midnight.PlusMinutes(window.StartMinute);
        var windowEnd = midnight.PlusMinutes(window.EndMinute);
        var windowEndInstant = zone.ResolveLocal(windowEnd, WindowEndResolver).ToInstant();
        var step = duration.ToInt64Nanoseconds();

        for (var local = windowStart; local < windowEnd; local = local.PlusNanoseconds(step))
        {
            var mapping = zone.MapLocal(local);
            if (mapping.Count == 0)
            {
                continue;
            }

            AddIfFits(mapping.First().ToInstant());
            if (mapping.Count == 2)
            {
                AddIfFits(mapping.Last().ToInstant());
            }
        }

        void AddIfFits(Instant start)
        {
            var end = start + duration;
            if (end <= windowEndInstant)
            {
                into.Add(new Slot(start, end));
            }
        }
    }

    /// <summary>Merged windows indexed by <see cref="IsoDayOfWeek"/> (index 0 unused).</summary>
    private static List<WeeklyRule>[] WindowsByDay(IReadOnlyList<WeeklyRule> rules)
    {
        var byDay = new List<WeeklyRule>[8];
        for (var i = 0; i < byDay.Length; i++)
        {
            byDay[i] = [];
        }

        foreach (var window in AvailabilityRules.Merge(rules))
        {
            byDay[(int)window.Day].Add(window);
        }

        return byDay;
    }

    private static Duration ValidDuration(SlotRequest request) =>
        request.Duration > Duration.Zero
            ? request.Duration
            : throw new ArgumentOutOfRangeException(nameof(request), request.Duration, "The slot duration must be positive.");
}
