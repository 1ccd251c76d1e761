using System.Text;
using Xunit.Abstractions;
using FsCheck;
using FsCheck.Fluent;
using NodaTime;
using NodaTime.Calendars;
using Scheduler.Domain;
using Interval = NodaTime.Interval;

namespace Scheduler.Tests.Domain;

/// <summary>
/// The whole engine — rules, date overrides, blocked time, bookings with buffers, slot interval,
/// minimum notice, horizon, per-day and per-week limits — against a brute-force oracle over
/// seeded random cases. The oracle walks every minute of the range and checks each rule in its
/// plainest form; it shares no code with the engine (coverage arrays instead of merging, ISO
/// week numbers instead of Monday arithmetic, linear scans instead of binary searches, and
/// offsets tried one by one instead of resolvers).
/// </summary>
public sealed class SettingsOracleTests(ITestOutputHelper output)
{
    /// <summary>Fixed so a run is reproducible; set SCHEDULER_ORACLE_SEED=seed,gamma to explore others.</summary>
    private const ulong DefaultSeed = 20261129UL;
    private const ulong DefaultGamma = 1UL;
    private const int Cases = 1000;

    // DST zones, whole-hour and half-hour shifts, and 30- and 45-minute offsets.
    private static readonly string[] ZoneIds =
    [
        "Europe/London", "Europe/Berlin", "America/New_York", "America/Sao_Paulo", "America/Santiago",
        "America/St_Johns", "Australia/Sydney", "Australia/Adelaide", "Australia/Lord_Howe",
        "Asia/Kolkata", "Asia/Kathmandu", "Pacific/Chatham", "UTC",
    ];

    private static readonly LocalDate FirstDay = new(2026, 1, 1);
    private static readonly LocalDate LastDay = new(2027, 12, 31);

    /// <summary>Local dates of every clock change of each zone in 2026–2027, read from tzdb.</summary>
    private static readonly Dictionary<string, LocalDate[]> ClockChangeDates = ZoneIds.ToDictionary(
        id => id,
        id =>
        {
            var zone = DateTimeZoneProviders.Tzdb[id];
            return zone.GetZoneIntervals(FirstDay.AtMidnight().InUtc().ToInstant(), LastDay.AtMidnight().InUtc().ToInstant())
                .Where(i => i.HasStart && i.Start > FirstDay.AtMidnight().InUtc().ToInstant())
                .Select(i => i.Start.InZone(zone).Date)
                .ToArray();
        });

    public sealed record Booking(int StartMinute, int Length, int BufferBefore, int BufferAfter, bool SameEventType);

    public sealed record Override(int DayOffset, IReadOnlyList<(int Start, int End)> Windows);

    /// <summary>One random world. Minutes are counted from <see cref="Origin"/> (midnight UTC of the anchor date).</summary>
    public sealed record Case(
        string ZoneId,
        LocalDate Anchor,
        IReadOnlyList<(IsoDayOfWeek Day, int Start, int End)> Rules,
        IReadOnlyList<Override> Overrides,
        IReadOnlyList<(int Start, int Length)> Blocks,
        IReadOnlyList<Booking> Bookings,
        int Duration,
        int? Interval,
        int BufferBefore,
        int BufferAfter,
        int Notice,
        int? MaxDays,
        int? PerDay,
        int? PerWeek,
        int NowMinute,
        int RangeStartMinute,
        int RangeLength)
    {
        public DateTimeZone Zone => DateTimeZoneProviders.Tzdb[ZoneId];

        public Instant Origin => Anchor.AtMidnight().InUtc().ToInstant();

        public Instant At(int minute) => Origin + NodaTime.Duration.FromMinutes(minute);

        public Instant Now => At(NowMinute);

        public Instant RangeStart => At(RangeStartMinute);

        public Instant RangeEnd => At(RangeStartMinute + RangeLength);

        public SlotRequest ToRequest() =>
            SlotRequest.For(
                Zone,
                [.. Rules.Select(r => new WeeklyRule(r.Day, r.Start, r.End))],
                new EventTypeSettings(Duration)
                {
                    SlotIntervalMinutes = Interval,
                    BufferBeforeMinutes = BufferBefore,
                    BufferAfterMinutes = BufferAfter,
                    MinimumNoticeMinutes = Notice,
                    MaxDaysInFuture = MaxDays,
                    MaxBookingsPerDay = PerDay,
                    MaxBookingsPerWeek = PerWeek,
                },
                BusyTimes.FromBookings(Bookings.Select(b => new BookedTime(
                    At(b.StartMinute), At(b.StartMinute + b.Length),
                    NodaTime.Duration.FromMinutes(b.BufferBefore), NodaTime.Duration.FromMinutes(b.BufferAfter)))),
                Now) with
            {
                Overrides = [.. Overrides.Select(o => new DateOverride(
                    Anchor.PlusDays(o.DayOffset), [.. o.Windows.Select(w => new TimeWindow(w.Start, w.End))]))],
                Blocked = new BusyTimes(Blocks.Select(b => new Interval(At(b.Start), At(b.Start + b.Length)))),
                EventTypeBookings = new BookingStarts(Bookings.Where(b => b.SameEventType).Select(b => At(b.StartMinute))),
            };

        public override string ToString()
        {
            var text = new StringBuilder();
            text.Append($"{ZoneId}, anchor {Anchor:uuuu-MM-dd} (minute 0 = {Origin}), duration {Duration}, interval {Interval?.ToString() ?? "-"}, ");
            text.Append($"buffers {BufferBefore}/{BufferAfter}, notice {Notice}, maxDays {MaxDays?.ToString() ?? "-"}, ");
            text.Append($"perDay {PerDay?.ToString() ?? "-"}, perWeek {PerWeek?.ToString() ?? "-"}, now {NowMinute}, ");
            text.Append($"range [{RangeStartMinute}, +{RangeLength}); ");
            text.Append($"rules [{string.Join("; ", Rules.Select(r => $"{r.Day} {r.Start}-{r.End}"))}]; ");
            text.Append($"overrides [{string.Join("; ", Overrides.Select(o => $"{Anchor.PlusDays(o.DayOffset):uuuu-MM-dd} {(o.Windows.Count == 0 ? "off" : string.Join(",", o.Windows.Select(w => $"{w.Start}-{w.End}")))}"))}]; ");
            text.Append($"blocks [{string.Join("; ", Blocks.Select(b => $"{b.Start}+{b.Length}"))}]; ");
            text.Append($"bookings [{string.Join("; ", Bookings.Select(b => $"{b.StartMinute}+{b.Length} buf {b.BufferBefore}/{b.BufferAfter}{(b.SameEventType ? " same" : "")}"))}]");
            return text.ToString();
        }
    }

    [Fact]
    public void The_engine_agrees_with_a_minute_by_minute_oracle_on_a_thousand_seeded_cases()
    {
        var (seed, gamma) = Seed();
        output.WriteLine($"seed {seed},{gamma} (SCHEDULER_ORACLE_SEED={seed},{gamma} replays it)");
        var config = Config.QuickThrowOnFailure
            .WithMaxTest(Cases)
            .WithReplay(seed, gamma)
            .WithQuietOnSuccess(true);

        var seen = new Dictionary<StartReason, int>();
        var cases = 0;
        Check.One(config, Prop.ForAll(Arb.From(Cases_(), Shrink), (Case c) =>
        {
            cases++;
            AgreeWithOracle(c, seen);
        }));

        // The generator must reach every rule, or agreement would prove little.
        output.WriteLine($"{cases} cases; oracle verdicts on asked minutes: {string.Join(", ", seen.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} {kv.Value}"))}");
        Assert.Equal(Cases, cases);
        Assert.All(Enum.GetValues<StartReason>(), reason => Assert.True(seen.GetValueOrDefault(reason) >= 100, $"{reason}: {seen.GetValueOrDefault(reason)}"));
    }

    private static (ulong Seed, ulong Gamma) Seed()
    {
        var text = Environment.GetEnvironmentVariable("SCHEDULER_ORACLE_SEED");
        if (string.IsNullOrWhiteSpace(text))
        {
            return (DefaultSeed, DefaultGamma);
        }

        var parts = text.Split(',');
        return (ulong.Parse(parts[0]), parts.Length > 1 ? ulong.Parse(parts[1]) : DefaultGamma);
    }

    /// <summary>Throws with the first disagreement; FsCheck then shrinks the case and reports the seed.</summary>
    private static void AgreeWithOracle(Case c, Dictionary<StartReason, int> seen)
    {
        var request = c.ToRequest();
        var oracle = new Oracle(c);
        var expected = new List<Slot>();
        var minutes = new List<(Instant Time, StartReason Reason)>();
        for (var t = c.RangeStart; t < c.RangeEnd; t += Duration.FromMinutes(1))
        {
            var reason = oracle.Reason(t);
            if (reason == StartReason.Offered)
            {
                expected.Add(new Slot(t, t + Duration.FromMinutes(c.Duration)));
            }

            minutes.Add((t, reason));
        }

        var actual = SlotEngine.Slots(request, c.RangeStart, c.RangeEnd);
        if (!expected.SequenceEqual(actual))
        {
            var missing = expected.Except(actual).Select(s => s.Start.InZone(c.Zone).ToString());
            var extra = actual.Except(expected).Select(s => s.Start.InZone(c.Zone).ToString());
            throw new InvalidOperationException(
                $"Slots differ. Oracle only: [{string.Join(", ", missing)}]; engine only: [{string.Join(", ", extra)}]");
        }

        // Deciding must agree with listing and with the oracle's reason. Every minute the oracle
        // finds on the grid, and a spread of the others, is asked directly.
        foreach (var (t, reason) in minutes)
        {
            if (reason == StartReason.NotAvailable && (t - c.RangeStart).TotalMinutes % 53 != 0)
            {
                continue;
            }

            seen[reason] = seen.GetValueOrDefault(reason) + 1;
            var assessed = SlotEngine.Assess(request, t);
            if (assessed.Reason != reason)
            {
                throw new InvalidOperationException(
                    $"Assess({t.InZone(c.Zone)}) is {assessed.Reason}; the oracle says {reason}.");
            }

            var expectedVerdict = reason switch
            {
                StartReason.Offered => StartVerdict.Offered,
                StartReason.Busy or StartReason.DailyLimitReached or StartReason.WeeklyLimitReached => StartVerdict.Taken,
                _ => StartVerdict.OutsideAvailability,
            };
            if (SlotEngine.Classify(request, t) != expectedVerdict)
            {
                throw new InvalidOperationException($"Classify({t.InZone(c.Zone)}) is not {expectedVerdict}.");
            }
        }
    }

    // ---- generation ----------------------------------------------------------------------------

    private const int Day = 24 * 60;

    private static Gen<int?> Maybe(Gen<int> gen, int weightOfNull = 2) =>
        Gen.Frequency((weightOfNull, Gen.Constant<int?>(null)), (1, gen.Select(v => (int?)v)));

    private static Gen<int> ZeroOr(Gen<int> gen) => Gen.Frequency((2, Gen.Constant(0)), (1, gen));

    private static Gen<Case> Cases_() =>
        from zoneId in Gen.Elements(ZoneIds)
        from anchor in Anchor(zoneId)
        from rules in Gen.ListOf(Rule(zoneId, anchor), 5).Select(l => l.ToList()).SelectMany(l => Gen.Choose(0, l.Count).Select(n => l.Take(n).ToList()))
        from overrides in Overrides()
        from duration in Gen.Elements(5, 15, 20, 30, 45, 60, 90, 150)
        from interval in Maybe(Gen.Elements(5, 10, 15, 20, 30, 45, 60, 75))
        from bufferBefore in ZeroOr(Gen.Choose(1, 90))
        from bufferAfter in ZeroOr(Gen.Choose(1, 90))
        from notice in ZeroOr(Gen.Frequency((2, Gen.Choose(1, 240)), (1, Gen.Choose(1, 3 * Day))))
        from maxDays in Maybe(Gen.Choose(0, 10))
        from perDay in Maybe(Gen.Choose(1, 3))
        from perWeek in Maybe(Gen.Choose(1, 6))
        from rangeStart in Gen.Choose(-Day, Day)
        from rangeLength in Gen.Frequency((5, Gen.Choose(0, 3 * Day)), (1, Gen.Choose(3 * Day, 14 * Day)))
        from nowOffset in Gen.Choose(-3 * Day, 5 * Day)
        from blocks in Gen.ListOf(Block(rangeStart, rangeLength), 3).SelectMany(l => Gen.Choose(0, 3).Select(n => l.Take(n).ToList()))
        from bookings in Gen.ListOf(BookingNear(rangeStart, rangeLength), 10).SelectMany(l => Gen.Choose(0, 10).Select(n => l.Take(n).ToList()))
        select new Case(
            zoneId, anchor, rules, overrides, blocks, bookings, duration, interval, bufferBefore, bufferAfter,
            notice, maxDays, perDay, perWeek, rangeStart + nowOffset, rangeStart, rangeLength);

    /// <summary>Mostly a clock-change date of the zone, else any date, else the turn of the year (ISO week 53 of 2026).</summary>
    private static Gen<LocalDate> Anchor(string zoneId)
    {
        var anyDay = Gen.Choose(0, Period.Between(FirstDay, LastDay, PeriodUnits.Days).Days).Select(d => FirstDay.PlusDays(d));
        var yearEnd = Gen.Choose(-10, 10).Select(d => new LocalDate(2027, 1, 1).PlusDays(d));
        var changes = ClockChangeDates[zoneId];
        return changes.Length == 0
            ? Gen.Frequency((3, anyDay), (1, yearEnd))
            : Gen.Frequency((5, Gen.Elements(changes).SelectMany(d => Gen.Choose(-1, 1).Select(d.PlusDays))), (2, anyDay), (1, yearEnd));
    }

    /// <summary>Rules mostly near the anchor's clock change (starting or ending in gaps and repeated hours), on 5-minute marks.</summary>
    private static Gen<(IsoDayOfWeek, int, int)> Rule(string zoneId, LocalDate anchor)
    {
        var nearChange =
            from dayShift in Gen.Choose(-1, 1)
            from start in Gen.Choose(0, 5 * 12).Select(q => q * 5)
            from length in Gen.Choose(1, 6 * 12).Select(q => q * 5)
            select (anchor.PlusDays(dayShift).DayOfWeek, start, Math.Min(start + length, Day));
        var anywhere =
            from dayShift in Gen.Choose(0, 6)
            from start in Gen.Choose(0, Day / 5 - 1).Select(q => q * 5)
            from length in Gen.Frequency((1, Gen.Constant(Day)), (4, Gen.Choose(1, Day / 5).Select(q => q * 5)))
            select (anchor.PlusDays(dayShift).DayOfWeek, start, Math.Min(start + length, Day));
        return Gen.Frequency((ClockChangeDates[zoneId].Length == 0 ? 0 : 1, nearChange), (2, anywhere));
    }

    private static Gen<List<Override>> Overrides()
    {
        var window =
            from start in Gen.Choose(0, Day / 5 - 1).Select(q => q * 5)
            from length in Gen.Choose(1, 8 * 12).Select(q => q * 5)
            select (start, Math.Min(start + length, Day));
        var one =
            from offset in Gen.Choose(-2, 14)
            from windows in Gen.Frequency(
                (1, Gen.Constant(new List<(int, int)>())),
                (2, Gen.ListOf(window, 3).Select(l => l.ToList()).SelectMany(l => Gen.Choose(1, 3).Select(n => l.Take(n).ToList()))))
            select new Override(offset, windows);
        return Gen.ListOf(one, 4)
            .SelectMany(l => Gen.Choose(0, 4).Select(n => l.Take(n).DistinctBy(o => o.DayOffset).ToList()));
    }

    private static Gen<(int, int)> Block(int rangeStart, int rangeLength) =>
        from start in Gen.Choose(rangeStart - 240, rangeStart + rangeLength + 60)
        from length in Gen.Frequency((3, Gen.Choose(1, 240)), (1, Gen.Choose(240, 2 * Day)))
        select (start, length);

    /// <summary>Bookings over the range and the week around it (so the weekly limit bites), some with buffers.</summary>
    private static Gen<Booking> BookingNear(int rangeStart, int rangeLength) =>
        from start in Gen.Choose(rangeStart - 7 * Day, rangeStart + rangeLength + 7 * Day)
        from near in Gen.Choose(rangeStart - 240, rangeStart + Math.Min(rangeLength, 2 * Day) + 240)
        from pickNear in Gen.Choose(0, 2)
        from length in Gen.Choose(5, 180)
        from before in ZeroOr(Gen.Choose(1, 60))
        from after in ZeroOr(Gen.Choose(1, 60))
        from same in Gen.Choose(0, 1)
        select new Booking(pickNear > 0 ? near : start, length, before, after, same == 1);

    /// <summary>Smaller cases: fewer rules, overrides, blocks and bookings, settings off, a shorter range.</summary>
    private static IEnumerable<Case> Shrink(Case c)
    {
        for (var i = 0; i < c.Rules.Count; i++)
        {
            yield return c with { Rules = Without(c.Rules, i) };
        }

        for (var i = 0; i < c.Overrides.Count; i++)
        {
            yield return c with { Overrides = Without(c.Overrides, i) };
        }

        for (var i = 0; i < c.Blocks.Count; i++)
        {
            yield return c with { Blocks = Without(c.Blocks, i) };
        }

        for (var i = 0; i < c.Bookings.Count; i++)
        {
            yield return c with { Bookings = Without(c.Bookings, i) };
        }

        if (c.Interval is not null)
        {
            yield return c with { Interval = null };
        }

        if (c.BufferBefore != 0)
        {
            yield return c with { BufferBefore = 0 };
        }

        if (c.BufferAfter != 0)
        {
            yield return c with { BufferAfter = 0 };
        }

        if (c.Notice != 0)
        {
            yield return c with { Notice = 0 };
        }

        if (c.MaxDays is not null)
        {
            yield return c with { MaxDays = null };
        }

        if (c.PerDay is not null)
        {
            yield return c with { PerDay = null };
        }

        if (c.PerWeek is not null)
        {
            yield return c with { PerWeek = null };
        }

        if (c.RangeLength > 60)
        {
            yield return c with { RangeLength = c.RangeLength / 2 };
            yield return c with { RangeStartMinute = c.RangeStartMinute + c.RangeLength / 2, RangeLength = c.RangeLength - c.RangeLength / 2 };
        }

        foreach (var booking in c.Bookings.Where(b => b.BufferBefore != 0 || b.BufferAfter != 0))
        {
            yield return c with { Bookings = [.. c.Bookings.Select(b => b == booking ? b with { BufferBefore = 0, BufferAfter = 0 } : b)] };
        }
    }

    private static List<T> Without<T>(IReadOnlyList<T> list, int index) => [.. list.Where((_, i) => i != index)];

    // ---- the oracle ----------------------------------------------------------------------------

    /// <summary>Every rule asked of one instant, in the plainest way that is still correct.</summary>
    private sealed class Oracle(Case c)
    {
        private readonly DateTimeZone _zone = c.Zone;
        private readonly Dictionary<LocalDate, bool[]> _coverage = [];
        private readonly LocalDate _today = c.Now.InZone(c.Zone).Date;

        public StartReason Reason(Instant t)
        {
            var local = t.InZone(_zone).LocalDateTime;
            var date = local.Date;
            var minute = local.Hour * 60 + local.Minute;
            var covered = Coverage(date);

            // The window holding this minute: walk left and right over covered minutes.
            if (local.Second != 0 || local.NanosecondOfSecond != 0 || !covered[minute])
            {
                return StartReason.NotAvailable;
            }

            var windowStart = minute;
            while (windowStart > 0 && covered[windowStart - 1])
            {
                windowStart--;
            }

            var windowEnd = minute;
            while (windowEnd < Day && covered[windowEnd])
            {
                windowEnd++;
            }

            var step = c.Interval ?? c.Duration;
            var end = t + Duration.FromMinutes(c.Duration);
            if ((minute - windowStart) % step != 0 || end > LatestInstantShowing(date.AtMidnight().PlusMinutes(windowEnd)))
            {
                return StartReason.NotAvailable;
            }

            if (t < c.Now)
            {
                return StartReason.Past;
            }

            if (t < c.Now + Duration.FromMinutes(c.Notice))
            {
                return StartReason.WithinMinimumNotice;
            }

            if (c.MaxDays is { } maxDays && Period.Between(_today, date, PeriodUnits.Days).Days > maxDays)
            {
                return StartReason.BeyondMaxDaysInFuture;
            }

            var keptFrom = t - Duration.FromMinutes(c.BufferBefore);
            var keptUntil = end + Duration.FromMinutes(c.BufferAfter);
            if (c.Blocks.Any(b => keptFrom < c.At(b.Start + b.Length) && c.At(b.Start) < keptUntil))
            {
                return StartReason.Blocked;
            }

            if (c.Bookings.Any(b => keptFrom < c.At(b.StartMinute + b.Length + b.BufferAfter) && c.At(b.StartMinute - b.BufferBefore) < keptUntil))
            {
                return StartReason.Busy;
            }

            var sameType = c.Bookings.Where(b => b.SameEventType).Select(b => c.At(b.StartMinute).InZone(_zone).Date).ToList();
            if (c.PerDay is { } perDay && sameType.Count(d => d == date) >= perDay)
            {
                return StartReason.DailyLimitReached;
            }

            var week = (WeekYearRules.Iso.GetWeekYear(date), WeekYearRules.Iso.GetWeekOfWeekYear(date));
            if (c.PerWeek is { } perWeek &&
                sameType.Count(d => (WeekYearRules.Iso.GetWeekYear(d), WeekYearRules.Iso.GetWeekOfWeekYear(d)) == week) >= perWeek)
            {
                return StartReason.WeeklyLimitReached;
            }

            return StartReason.Offered;
        }

        /// <summary>Minutes of the date covered by its override if it has one, else by its weekday's rules.</summary>
        private bool[] Coverage(LocalDate date)
        {
            if (_coverage.TryGetValue(date, out var covered))
            {
                return covered;
            }

            covered = new bool[Day + 1];
            var overridden = c.Overrides.FirstOrDefault(o => c.Anchor.PlusDays(o.DayOffset) == date);
            var windows = overridden is not null
                ? overridden.Windows
                : c.Rules.Where(r => r.Day == date.DayOfWeek).Select(r => (r.Start, r.End)).ToList();
            foreach (var (start, end) in windows)
            {
                for (var m = start; m < end; m++)
                {
                    covered[m] = true;
                }
            }

            return _coverage[date] = covered;
        }

        /// <summary>
        /// The window's end: the last instant whose clock shows <paramref name="local"/>; if no
        /// instant does (a gap), its reading with the offset in force before the gap.
        /// </summary>
        private Instant LatestInstantShowing(LocalDateTime local)
        {
            var guess = local.InUtc().ToInstant();
            var readings = Enumerable.Range(-30, 61)
                .Select(h => _zone.GetUtcOffset(guess + Duration.FromHours(h)))
                .Distinct()
                .Select(offset => new OffsetDateTime(local, offset).ToInstant())
                .ToList();
            var showing = readings.Where(i => i.InZone(_zone).LocalDateTime == local).ToList();

            // In a spring-forward gap the offset before the gap is the smaller one, so its reading is the later.
            return showing.Count > 0 ? showing.Max() : readings.Max();
        }
    }
}
