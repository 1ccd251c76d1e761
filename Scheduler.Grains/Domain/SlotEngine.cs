using NodaTime;
using NodaTime.TimeZones;

namespace Scheduler.Domain;

/// <summary>
/// Computes bookable slots from weekly rules and date overrides in the organizer's zone, and
/// classifies a requested start. Listing and deciding go through the same grid and the same
/// <see cref="Plan.Assess"/>, so a start is accepted iff it would be listed now. Pure: no clock,
/// no storage; everything arrives in a <see cref="SlotRequest"/>.
/// </summary>
/// <remarks>
/// Cost: a listing walks the local dates of the range once, and on each the grid candidates of
/// its windows (which is the size of the answer, not the minutes of the range); each candidate
/// costs binary searches over the busy and blocked times and the event type's booking starts.
/// Dates outside the notice and horizon are skipped whole.
/// </remarks>
public static class SlotEngine
{
    // A window ending at an ambiguous local time ends at its later occurrence (the organizer is
    // still there for the repeated hour); one ending in a gap ends as if the clocks had not jumped
    // yet, i.e. shifted forward by the gap, as NodaTime's lenient resolver does.
    private static readonly ZoneLocalMappingResolver WindowEndResolver =
        Resolvers.CreateMappingResolver(Resolvers.ReturnLater, Resolvers.ReturnForwardShifted);

    /// <summary>
    /// Offered slots whose start lies in [<paramref name="rangeStart"/>, <paramref name="rangeEnd"/>),
    /// ascending by start, without duplicates: every start for which <see cref="Assess"/> says
    /// <see cref="StartReason.Offered"/>.
    /// </summary>
    public static IReadOnlyList<Slot> Slots(SlotRequest request, Instant rangeStart, Instant rangeEnd)
    {
        var plan = new Plan(request);
        if (rangeEnd <= rangeStart)
        {
            return [];
        }

        var zone = request.OrganizerZone;
        var found = new List<Slot>();

        // A slot's start instant has, in the organizer's zone, exactly the local date it was made
        // from, so only dates from the range start's to the range end's can contribute. Local
        // dates are not monotonic in instants (a fall-back at midnight repeats the previous
        // evening), hence one day of margin on each side, also around the earliest start.
        var first = Max(rangeStart, plan.Earliest).InZone(zone).Date.PlusDays(-1);
        var last = rangeEnd.InZone(zone).Date.PlusDays(1);
        if (plan.LastDate is { } lastDate && lastDate < last)
        {
            last = lastDate;
        }

        for (var date = first; date <= last; date = date.PlusDays(1))
        {
            plan.ForEachCandidate(date, (start, windowEnd) =>
            {
                if (start >= rangeStart && start < rangeEnd &&
                    plan.Assess(date, start, windowEnd) == StartReason.Offered)
                {
                    found.Add(new Slot(start, start + request.Duration));
                }
            });
        }

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
    public static StartVerdict Classify(SlotRequest request, Instant start) => Assess(request, start).Verdict;

    /// <summary>
    /// The verdict on <paramref name="start"/> with the rule behind it. The booking decision calls
    /// this with the live state; <see cref="Slots"/> lists exactly the starts it calls offered.
    /// </summary>
    public static StartAssessment Assess(SlotRequest request, Instant start)
    {
        var plan = new Plan(request);

        // Same argument as in Slots: a grid slot starting at this instant belongs to its local date.
        var date = start.InZone(request.OrganizerZone).Date;
        var reason = StartReason.NotAvailable;
        plan.ForEachCandidate(date, (candidate, windowEnd) =>
        {
            if (candidate == start)
            {
                reason = plan.Assess(date, start, windowEnd);
            }
        });
        return new StartAssessment(reason);
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

    private static Instant Max(Instant a, Instant b) => a > b ? a : b;

    /// <summary>One request made ready for many questions: windows indexed, settings checked.</summary>
    private sealed class Plan
    {
        private readonly SlotRequest _request;
        private readonly DateTimeZone _zone;
        private readonly Duration _duration;
        private readonly long _stepNanoseconds;
        private readonly TimeWindow[][] _weekly;
        private readonly Dictionary<LocalDate, TimeWindow[]> _overrides;

        // Per-date and per-week booking counts, cached for the date last asked about: a listing
        // asks about one date's candidates in a row.
        private LocalDate? _countedDate;
        private int _dayCount;
        private LocalDate? _countedMonday;
        private int _weekCount;

        public Plan(SlotRequest request)
        {
            _request = request;
            _zone = request.OrganizerZone;
            _duration = request.Duration > Duration.Zero
                ? request.Duration
                : throw new ArgumentOutOfRangeException(nameof(request), request.Duration, "The slot duration must be positive.");
            var step = request.SlotInterval ?? request.Duration;
            _stepNanoseconds = step > Duration.Zero
                ? step.ToInt64Nanoseconds()
                : throw new ArgumentOutOfRangeException(nameof(request), step, "The slot interval must be positive.");
            if (request.BufferBefore < Duration.Zero || request.BufferAfter < Duration.Zero || request.MinimumNotice < Duration.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(request), "Buffers and minimum notice must not be negative.");
            }

            Earliest = request.Now + request.MinimumNotice;
            LastDate = request.MaxDaysInFuture is { } days ? request.Now.InZone(_zone).Date.PlusDays(days) : null;

            _weekly = new TimeWindow[8][];
            for (var day = 0; day < _weekly.Length; day++)
            {
                _weekly[day] = [];
            }

            foreach (var group in request.Rules.GroupBy(r => r.Day))
            {
                _weekly[(int)group.Key] = [.. AvailabilityRules.MergeWindows(group.Select(r => new TimeWindow(r.StartMinute, r.EndMinute)))];
            }

            _overrides = new Dictionary<LocalDate, TimeWindow[]>(request.Overrides.Count);
            foreach (var dateOverride in request.Overrides)
            {
                if (!_overrides.TryAdd(dateOverride.Date, [.. AvailabilityRules.MergeWindows(dateOverride.Windows)]))
                {
                    throw new ArgumentException($"Two overrides for {dateOverride.Date:uuuu-MM-dd}.", nameof(request));
                }
            }
        }

        /// <summary>No slot starts before this: now plus the minimum notice.</summary>
        public Instant Earliest { get; }

        /// <summary>The last local date with slots, or null without a horizon.</summary>
        public LocalDate? LastDate { get; }

        /// <summary>
        /// Every grid candidate of <paramref name="date"/>, before any rule but the grid: local
        /// starts step from each merged window's start while before its end; a start in a gap does
        /// not exist and is dropped; an ambiguous one happens twice, so both instants count. Each
        /// comes with its window's end instant.
        /// </summary>
        public void ForEachCandidate(LocalDate date, Action<Instant, Instant> candidate)
        {
            var windows = _overrides.TryGetValue(date, out var replaced) ? replaced : _weekly[(int)date.DayOfWeek];
            var midnight = date.AtMidnight();
            foreach (var window in windows)
            {
                var windowStart = midnight.PlusMinutes(window.StartMinute);
                var windowEnd = midnight.PlusMinutes(window.EndMinute);
                var windowEndInstant = _zone.ResolveLocal(windowEnd, WindowEndResolver).ToInstant();
                for (var local = windowStart; local < windowEnd; local = local.PlusNanoseconds(_stepNanoseconds))
                {
                    var mapping = _zone.MapLocal(local);
                    if (mapping.Count == 0)
                    {
                        continue;
                    }

                    candidate(mapping.First().ToInstant(), windowEndInstant);
                    if (mapping.Count == 2)
                    {
                        candidate(mapping.Last().ToInstant(), windowEndInstant);
                    }
                }
            }
        }

        /// <summary>
        /// Every rule but the grid, for a grid candidate of <paramref name="date"/>, in the order of
        /// <see cref="StartReason"/>: first what other bookings cannot change, then what they can.
        /// </summary>
        public StartReason Assess(LocalDate date, Instant start, Instant windowEnd)
        {
            var end = start + _duration;
            if (end > windowEnd)
            {
                return StartReason.NotAvailable;
            }

            if (start < _request.Now)
            {
                return StartReason.Past;
            }

            if (start < Earliest)
            {
                return StartReason.WithinMinimumNotice;
            }

            if (date > LastDate)
            {
                return StartReason.BeyondMaxDaysInFuture;
            }

            var keptFrom = start - _request.BufferBefore;
            var keptUntil = end + _request.BufferAfter;
            if (_request.Blocked.Overlaps(keptFrom, keptUntil))
            {
                return StartReason.Blocked;
            }

            if (_request.Busy.Overlaps(keptFrom, keptUntil))
            {
                return StartReason.Busy;
            }

            if (_request.MaxBookingsPerDay is { } perDay && DayCount(date) >= perDay)
            {
                return StartReason.DailyLimitReached;
            }

            return _request.MaxBookingsPerWeek is { } perWeek && WeekCount(date) >= perWeek
                ? StartReason.WeeklyLimitReached
                : StartReason.Offered;
        }

        private int DayCount(LocalDate date)
        {
            if (_countedDate != date)
            {
                _countedDate = date;
                _dayCount = CountDates(date, date.PlusDays(1));
            }

            return _dayCount;
        }

        private int WeekCount(LocalDate date)
        {
            var monday = date.With(DateAdjusters.PreviousOrSame(IsoDayOfWeek.Monday));
            if (_countedMonday != monday)
            {
                _countedMonday = monday;
                _weekCount = CountDates(monday, monday.PlusDays(7));
            }

            return _weekCount;
        }

        /// <summary>
        /// Bookings starting on local dates [<paramref name="from"/>, <paramref name="until"/>).
        /// Those instants run from one start of day to the other wherever local dates never run
        /// backwards; a day of margin and a date check per booking keep the count exact even
        /// where a fall-back crosses midnight, at the cost of the bookings near those dates.
        /// </summary>
        private int CountDates(LocalDate from, LocalDate until)
        {
            var count = 0;
            foreach (var start in _request.EventTypeBookings.Between(
                         from.PlusDays(-1).AtStartOfDayInZone(_zone).ToInstant(),
                         until.PlusDays(1).AtStartOfDayInZone(_zone).ToInstant()))
            {
                var date = start.InZone(_zone).Date;
                if (date >= from && date < until)
                {
                    count++;
                }
            }

            return count;
        }
    }
}
