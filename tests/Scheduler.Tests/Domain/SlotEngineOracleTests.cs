using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NodaTime;
using Interval = NodaTime.Interval;
using Scheduler.Domain;

namespace Scheduler.Tests.Domain;

/// <summary>
/// The engine against a brute-force oracle that walks every minute of the range and asks, of each
/// instant, the rules in their plainest form. The oracle shares no code with the engine: it
/// merges rules with a minute-coverage array, finds gaps and overlaps by simply never meeting a
/// skipped local time and meeting a repeated one twice, and resolves window ends by trying offsets.
/// </summary>
public sealed class SlotEngineOracleTests
{
    // Zones with half-hour and 45-minute offsets, a half-hour DST shift (Lord Howe) and a
    // midnight gap (Santiago), each with the dates of its 2026 clock changes.
    private static readonly (string ZoneId, LocalDate Date)[] ClockChanges =
    [
        ("Europe/Berlin", new(2026, 3, 29)), ("Europe/Berlin", new(2026, 10, 25)),
        ("Australia/Adelaide", new(2026, 4, 5)), ("Australia/Adelaide", new(2026, 10, 4)),
        ("Australia/Lord_Howe", new(2026, 4, 5)), ("Australia/Lord_Howe", new(2026, 10, 4)),
        ("America/St_Johns", new(2026, 3, 8)), ("America/St_Johns", new(2026, 11, 1)),
        ("America/Santiago", new(2026, 4, 4)), ("America/Santiago", new(2026, 9, 6)),
    ];

    private static readonly string[] OtherZoneIds = ["Asia/Kolkata", "Asia/Kathmandu", "UTC"];

    private static readonly Gen<(string ZoneId, LocalDate Date)> ZoneAndAnchor = Gen.Frequency(
        (4, Gen.Elements(ClockChanges)),
        (1, from zoneId in Gen.Elements(ClockChanges.Select(c => c.ZoneId).Concat(OtherZoneIds))
            from days in Gen.Choose(0, 364)
            select (zoneId, new LocalDate(2026, 1, 1).PlusDays(days))));

    private static readonly int[] DurationsInMinutes = [15, 20, 30, 45, 60, 90, 150];

    public sealed record Scenario(
        string ZoneId,
        IReadOnlyList<WeeklyRule> Rules,
        int DurationMinutes,
        IReadOnlyList<Interval> Busy,
        Instant Now,
        Instant RangeStart,
        Instant RangeEnd)
    {
        public DateTimeZone Zone => DateTimeZoneProviders.Tzdb[ZoneId];

        public SlotRequest ToRequest() =>
            new(Zone, Rules, Duration.FromMinutes(DurationMinutes), new BusyTimes(Busy), Now);

        public override string ToString() =>
            $"{ZoneId}, {DurationMinutes} min, rules [{string.Join("; ", Rules)}], busy [{string.Join("; ", Busy)}], " +
            $"now {Now}, range [{RangeStart}, {RangeEnd})";
    }

    private static readonly Gen<Scenario> Scenarios =
        from zoneAndAnchor in ZoneAndAnchor
        let zoneId = zoneAndAnchor.ZoneId
        let anchor = zoneAndAnchor.Date
        from rules in Gen.ListOf(RuleNear(anchor, ClockChangeSpots(DateTimeZoneProviders.Tzdb[zoneId], anchor)), 4)
        from ruleCount in Gen.Choose(0, 4)
        from duration in Gen.Elements(DurationsInMinutes)
        from startOffset in Gen.Choose(-24 * 60, 24 * 60)
        from length in Gen.Choose(0, 3 * 24 * 60)
        let rangeStart = anchor.AtMidnight().InUtc().ToInstant() + Duration.FromMinutes(startOffset)
        let rangeEnd = rangeStart + Duration.FromMinutes(length)
        from busy in Gen.ListOf(BusyNear(rangeStart, length), 6)
        from busyCount in Gen.Choose(0, 6)
        from nowOffset in Gen.Choose(-2 * 24 * 60, 3 * 24 * 60)
        select new Scenario(
            zoneId,
            [.. rules.Take(ruleCount)],
            duration,
            [.. busy.Take(busyCount)],
            rangeStart + Duration.FromMinutes(nowOffset),
            rangeStart,
            rangeEnd);

    /// <summary>
    /// Rules that start or end near a clock change (so windows begin and end inside gaps and
    /// repeated hours), and others mostly on the days around the anchor.
    /// </summary>
    private static Gen<WeeklyRule> RuleNear(LocalDate anchor, IReadOnlyList<(IsoDayOfWeek Day, int Minute)> clockChanges)
    {
        var anywhere =
            from dayShift in Gen.Frequency((4, Gen.Choose(-1, 1)), (1, Gen.Choose(0, 6)))
            from start in Gen.Choose(0, 95).Select(q => q * 15)
            from length in Gen.Frequency(
                (1, Gen.Constant(WeeklyRule.MinutesPerDay)),
                (3, Gen.Choose(1, 12).Select(q => q * 15)),
                (2, Gen.Choose(1, 40).Select(q => q * 15)))
            select new WeeklyRule(
                anchor.PlusDays(dayShift).DayOfWeek,
                start,
                Math.Min(start + length, WeeklyRule.MinutesPerDay));
        if (clockChanges.Count == 0)
        {
            return anywhere;
        }

        var nearClockChange =
            from change in Gen.Elements(clockChanges.AsEnumerable())
            from startShift in Gen.Choose(-12, 4)
            from length in Gen.Choose(1, 16)
            let start = Math.Clamp(change.Minute + startShift * 15, 0, WeeklyRule.MinutesPerDay - 15)
            select new WeeklyRule(change.Day, start, Math.Min(start + length * 15, WeeklyRule.MinutesPerDay));
        return Gen.Frequency((3, nearClockChange), (2, anywhere));
    }

    /// <summary>Day and wall-clock minute just before and just after each clock change near the anchor.</summary>
    private static IReadOnlyList<(IsoDayOfWeek Day, int Minute)> ClockChangeSpots(DateTimeZone zone, LocalDate anchor)
    {
        var from = anchor.PlusDays(-3).AtMidnight().InUtc().ToInstant();
        var to = anchor.PlusDays(4).AtMidnight().InUtc().ToInstant();
        var intervals = zone.GetZoneIntervals(from, to).ToList();
        var spots = new List<(IsoDayOfWeek, int)>();
        for (var i = 1; i < intervals.Count; i++)
        {
            foreach (var offset in new[] { intervals[i - 1].WallOffset, intervals[i].WallOffset })
            {
                var wall = intervals[i].Start.WithOffset(offset).LocalDateTime;
                spots.Add((wall.DayOfWeek, wall.Hour * 60 + wall.Minute));
            }
        }

        return spots;
    }

    private static Gen<Interval> BusyNear(Instant rangeStart, int rangeLength) =>
        from offset in Gen.Choose(-180, rangeLength + 180)
        from length in Gen.Choose(0, 240)
        select new Interval(
            rangeStart + Duration.FromMinutes(offset),
            rangeStart + Duration.FromMinutes(offset + length));

    [Property(MaxTest = 300)]
    public Property Slots_match_a_minute_by_minute_oracle() =>
        Prop.ForAll(Scenarios.ToArbitrary(), scenario =>
        {
            var expected = Oracle.Offered(scenario).ToList();
            var actual = SlotEngine.Slots(scenario.ToRequest(), scenario.RangeStart, scenario.RangeEnd).ToList();
            return expected.SequenceEqual(actual);
        });

    [Property(MaxTest = 100)]
    public Property Classify_matches_the_oracle_for_every_minute_of_the_range() =>
        Prop.ForAll(Scenarios.ToArbitrary(), scenario =>
        {
            var request = scenario.ToRequest();
            var duration = Duration.FromMinutes(scenario.DurationMinutes);
            for (var t = scenario.RangeStart; t < scenario.RangeEnd; t += Duration.FromMinutes(1))
            {
                var expected = !Oracle.IsGridStart(scenario, t) || t < scenario.Now ? StartVerdict.OutsideAvailability
                    : Oracle.IsBusy(scenario, t, t + duration) ? StartVerdict.Taken
                    : StartVerdict.Offered;
                if (SlotEngine.Classify(request, t) != expected)
                {
                    return false;
                }
            }

            return true;
        });

    [Property(MaxTest = 500)]
    public Property Busy_times_agree_with_a_linear_scan() =>
        Prop.ForAll(
            (from busy in Gen.ListOf(BusyNear(Instant.FromUtc(2026, 6, 1, 0, 0), 600), 20)
             from start in Gen.Choose(-200, 800)
             from length in Gen.Choose(1, 200)
             select (Busy: busy, Start: Instant.FromUtc(2026, 6, 1, 0, 0) + Duration.FromMinutes(start), Length: length))
            .ToArbitrary(),
            c =>
            {
                var end = c.Start + Duration.FromMinutes(c.Length);
                return new BusyTimes(c.Busy).Overlaps(c.Start, end) == c.Busy.Any(b => c.Start < b.End && b.Start < end);
            });

    private static class Oracle
    {
        public static IEnumerable<Slot> Offered(Scenario s)
        {
            var duration = Duration.FromMinutes(s.DurationMinutes);
            for (var t = s.RangeStart; t < s.RangeEnd; t += Duration.FromMinutes(1))
            {
                if (t >= s.Now && IsGridStart(s, t) && !IsBusy(s, t, t + duration))
                {
                    yield return new Slot(t, t + duration);
                }
            }
        }

        /// <summary>On the grid of a merged window of its own local date, and ending by that window's end.</summary>
        public static bool IsGridStart(Scenario s, Instant t)
        {
            var local = t.InZone(s.Zone).LocalDateTime;
            if (local.Second != 0 || local.NanosecondOfSecond != 0)
            {
                return false;
            }

            var minute = local.Hour * 60 + local.Minute;
            foreach (var (start, end) in MergedWindows(s.Rules, local.DayOfWeek))
            {
                if (start <= minute && minute < end && (minute - start) % s.DurationMinutes == 0)
                {
                    return t + Duration.FromMinutes(s.DurationMinutes) <= WindowEnd(s.Zone, local.Date.AtMidnight().PlusMinutes(end));
                }
            }

            return false;
        }

        public static bool IsBusy(Scenario s, Instant start, Instant end) =>
            s.Busy.Any(b => start < b.End && b.Start < end);

        private static IEnumerable<(int Start, int End)> MergedWindows(IEnumerable<WeeklyRule> rules, IsoDayOfWeek day)
        {
            // Coverage of [minute, minute + 1); a touching pair leaves no hole, so it joins.
            var covered = new bool[WeeklyRule.MinutesPerDay + 1];
            foreach (var rule in rules.Where(r => r.Day == day))
            {
                for (var m = rule.StartMinute; m < rule.EndMinute; m++)
                {
                    covered[m] = true;
                }
            }

            for (var m = 0; m < WeeklyRule.MinutesPerDay; m++)
            {
                if (covered[m] && (m == 0 || !covered[m - 1]))
                {
                    var end = m;
                    while (covered[end])
                    {
                        end++;
                    }

                    yield return (m, end);
                }
            }
        }

        /// <summary>The later instant showing <paramref name="local"/>; in a gap, the later of the two offsets' readings.</summary>
        private static Instant WindowEnd(DateTimeZone zone, LocalDateTime local)
        {
            var guess = local.InUtc().ToInstant();
            var offsets = Enumerable.Range(-30, 61)
                .Select(h => zone.GetUtcOffset(guess + Duration.FromHours(h)))
                .Distinct()
                .ToList();
            var readings = offsets.Select(o => new OffsetDateTime(local, o).ToInstant()).ToList();
            var valid = readings.Where(i => i.InZone(zone).LocalDateTime == local).ToList();
            return valid.Count > 0 ? valid.Max() : readings.Max();
        }
    }
}
