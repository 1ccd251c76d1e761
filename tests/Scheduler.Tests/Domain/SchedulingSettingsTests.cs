using NodaTime;
using NodaTime.Calendars;
using Scheduler.Domain;
using static Scheduler.Tests.Domain.SlotTestKit;

namespace Scheduler.Tests.Domain;

/// <summary>Each event-type setting, date overrides and blocked time, one promise at a time.</summary>
public sealed class SchedulingSettingsTests
{
    // 2026-06-01 is a Monday; Berlin is on summer time (+02).
    private const string Monday = "2026-06-01";

    private static readonly DateTimeZone NewYork = DateTimeZoneProviders.Tzdb["America/New_York"];
    private static readonly DateTimeZone Auckland = DateTimeZoneProviders.Tzdb["Pacific/Auckland"];

    private static BookedTime Booked(string start, string end, int bufferBefore = 0, int bufferAfter = 0) =>
        new(At(start), At(end), Duration.FromMinutes(bufferBefore), Duration.FromMinutes(bufferAfter));

    [Fact]
    public void A_slot_interval_shorter_than_the_duration_offers_overlapping_starts()
    {
        var request = Request(Berlin, 60, [Rule("monday", "09:00", "11:00")]) with { SlotInterval = Duration.FromMinutes(20) };

        Assert.Equal(["09:00+02", "09:20+02", "09:40+02", "10:00+02"], Starts(SlotsOn(request, Monday), Berlin));
    }

    [Fact]
    public void A_slot_interval_longer_than_the_duration_leaves_gaps()
    {
        var request = Request(Berlin, 30, [Rule("monday", "09:00", "12:00")]) with { SlotInterval = Duration.FromMinutes(90) };

        Assert.Equal(["09:00+02", "10:30+02"], Starts(SlotsOn(request, Monday), Berlin));
    }

    [Fact]
    public void Buffers_keep_a_slot_clear_of_neighbours_on_both_sides_and_may_leave_availability()
    {
        // A 10:00–11:00 with 15 minutes after; B 14:00–15:00 with 30 minutes before.
        // Candidates: 60 minutes every 15, with 10 minutes before and 20 after:
        // [s − 10, s + 80) must clear [10:00, 11:15) and [13:30, 15:00).
        var busy = BusyTimes.FromBookings(
        [
            Booked("2026-06-01T10:00+02", "2026-06-01T11:00+02", bufferAfter: 15),
            Booked("2026-06-01T14:00+02", "2026-06-01T15:00+02", bufferBefore: 30),
        ]);
        var request = new SlotRequest(Berlin, [Rule("monday", "08:00", "17:00")], Duration.FromMinutes(60), busy, LongAgo)
        {
            SlotInterval = Duration.FromMinutes(15),
            BufferBefore = Duration.FromMinutes(10),
            BufferAfter = Duration.FromMinutes(20),
        };

        var slots = SlotsOn(request, Monday);

        // 08:00's buffer starts at 07:50 and 16:00's ends at 17:20, outside availability: allowed.
        Assert.Equal(
            ["08:00+02", "08:15+02", "08:30+02", "11:30+02", "11:45+02", "12:00+02", "15:15+02", "15:30+02", "15:45+02", "16:00+02"],
            Starts(slots, Berlin));
        Assert.Equal(StartReason.Busy, SlotEngine.Assess(request, At("2026-06-01T08:45+02")).Reason); // its after-buffer meets A
        Assert.Equal(StartReason.Busy, SlotEngine.Assess(request, At("2026-06-01T11:15+02")).Reason); // its before-buffer meets A's
        Assert.Equal(StartReason.Busy, SlotEngine.Assess(request, At("2026-06-01T12:15+02")).Reason); // its after-buffer meets B's
        Assert.Equal(StartReason.Busy, SlotEngine.Assess(request, At("2026-06-01T15:00+02")).Reason); // its before-buffer meets B
        Assert.Equal(StartVerdict.Taken, SlotEngine.Classify(request, At("2026-06-01T11:15+02")));
        Assert.Equal(StartVerdict.OutsideAvailability, SlotEngine.Classify(request, At("2026-06-01T16:15+02")));
    }

    [Fact]
    public void A_booking_made_from_a_request_holds_its_slot_and_the_event_type_s_buffers()
    {
        var request = Request(Berlin, 45, [Rule("monday", "09:00", "17:00")]) with
        {
            BufferBefore = Duration.FromMinutes(5),
            BufferAfter = Duration.FromMinutes(15),
        };

        var booked = request.BookingAt(At("2026-06-01T10:00+02"));

        Assert.Equal(new Interval(At("2026-06-01T09:55+02"), At("2026-06-01T11:00+02")), booked.Blocks);
        Assert.Equal(At("2026-06-01T10:45+02"), booked.End);
    }

    [Fact]
    public void A_booking_s_buffers_block_other_event_types_too()
    {
        var busy = BusyTimes.FromBookings([Booked("2026-06-01T10:00+02", "2026-06-01T11:00+02", bufferBefore: 30, bufferAfter: 30)]);
        var request = new SlotRequest(Berlin, [Rule("monday", "09:00", "13:00")], Duration.FromMinutes(30), busy, LongAgo);

        Assert.Equal(["09:00+02", "11:30+02", "12:00+02", "12:30+02"], Starts(SlotsOn(request, Monday), Berlin));
    }

    [Fact]
    public void Minimum_notice_counts_elapsed_time_across_the_spring_forward_gap()
    {
        // New York, 2026-03-08: 02:00 EST jumps to 03:00 EDT. Three hours after 23:30 EST is
        // 03:30 EDT, not the wall-clock 02:30 (which does not exist).
        var plain = Request(NewYork, 30, [Rule("sunday", "00:00", "06:00")], now: At("2026-03-07T23:30-05"));
        var request = plain with { MinimumNotice = Duration.FromHours(3) };

        var slots = SlotsOn(request, "2026-03-08");

        Assert.Equal(At("2026-03-08T03:30-04"), slots[0].Start);
        Assert.Equal(StartReason.WithinMinimumNotice, SlotEngine.Assess(request, At("2026-03-08T03:00-04")).Reason);
        Assert.Equal(StartVerdict.Offered, SlotEngine.Classify(request, At("2026-03-08T03:30-04")));
    }

    [Fact]
    public void Minimum_notice_counts_elapsed_time_across_the_fall_back_hour()
    {
        // New York, 2026-11-01: 02:00 EDT falls back to 01:00 EST. Two hours after 00:30 EDT is
        // 01:30 EST (the second 01:30), not the wall-clock 02:30.
        var plain = Request(NewYork, 30, [Rule("sunday", "00:00", "04:00")], now: At("2026-11-01T00:30-04"));
        var request = plain with { MinimumNotice = Duration.FromHours(2) };

        var slots = SlotsOn(request, "2026-11-01");

        Assert.Equal(
            ["01:30-05", "02:00-05", "02:30-05", "03:00-05", "03:30-05"],
            Starts(slots, NewYork));
        Assert.Equal(StartReason.WithinMinimumNotice, SlotEngine.Assess(request, At("2026-11-01T01:30-04")).Reason);
        Assert.Equal(StartReason.WithinMinimumNotice, SlotEngine.Assess(request, At("2026-11-01T01:00-05")).Reason);
    }

    [Fact]
    public void The_horizon_is_a_rolling_count_of_local_dates_in_the_organizer_s_zone()
    {
        // Now is Monday 23:30 in Berlin (21:30 UTC): today is Monday there, so 2 days reach Wednesday.
        string[] days = ["monday", "tuesday", "wednesday", "thursday"];
        var plain = Request(Berlin, 60, days.Select(d => Rule(d, "09:00", "10:00")), now: At("2026-06-01T23:30+02"));
        var request = plain with { MaxDaysInFuture = 2 };
        var (start, end) = SlotEngine.DateRange(Date("2026-06-01"), Date("2026-06-07"), Berlin);

        var slots = SlotEngine.Slots(request, start, end);

        Assert.Equal(["2026-06-02T09:00+02", "2026-06-03T09:00+02"], slots.Select(s => Local(s.Start, Berlin)));
        Assert.Equal(StartReason.BeyondMaxDaysInFuture, SlotEngine.Assess(request, At("2026-06-04T09:00+02")).Reason);
    }

    [Fact]
    public void A_full_day_offers_nothing_more_and_its_starts_are_taken()
    {
        var request = Request(Berlin, 60, [Rule("monday", "09:00", "12:00"), Rule("tuesday", "09:00", "10:00")]) with
        {
            MaxBookingsPerDay = 1,
            EventTypeBookings = new BookingStarts([At("2026-06-01T07:00+02")]), // earlier that Monday, off the rules
        };
        var (start, end) = SlotEngine.DateRange(Date("2026-06-01"), Date("2026-06-02"), Berlin);

        Assert.Equal(["2026-06-02T09:00+02"], SlotEngine.Slots(request, start, end).Select(s => Local(s.Start, Berlin)));
        Assert.Equal(StartReason.DailyLimitReached, SlotEngine.Assess(request, At("2026-06-01T10:00+02")).Reason);
        Assert.Equal(StartVerdict.Taken, SlotEngine.Classify(request, At("2026-06-01T10:00+02")));
    }

    [Fact]
    public void ISO_week_53_runs_across_the_new_year_for_the_weekly_limit()
    {
        // 2026 has 53 ISO weeks: W53 is Monday 28 December 2026 to Sunday 3 January 2027.
        Assert.Equal(53, WeekYearRules.Iso.GetWeeksInWeekYear(2026));
        var everyDay = Enum.GetValues<IsoDayOfWeek>().Skip(1).Select(d => Rule(AvailabilityRules.FormatDay(d), "09:00", "10:00"));
        var request = Request(Berlin, 60, everyDay) with
        {
            MaxBookingsPerWeek = 2,
            EventTypeBookings = new BookingStarts([At("2026-12-29T15:00+01"), At("2027-01-02T15:00+01")]),
        };
        var (start, end) = SlotEngine.DateRange(Date("2026-12-26"), Date("2027-01-05"), Berlin);

        var slots = SlotEngine.Slots(request, start, end);

        // W52 (to Sunday 27 December) and W01 (from Monday 4 January) are open; all of W53 is full.
        Assert.Equal(
            ["2026-12-26T09:00+01", "2026-12-27T09:00+01", "2027-01-04T09:00+01", "2027-01-05T09:00+01"],
            slots.Select(s => Local(s.Start, Berlin)));
        Assert.Equal(StartReason.WeeklyLimitReached, SlotEngine.Assess(request, At("2027-01-03T09:00+01")).Reason);
        Assert.Equal(StartVerdict.Taken, SlotEngine.Classify(request, At("2026-12-28T09:00+01")));
    }

    [Fact]
    public void Weeks_are_counted_in_the_organizer_s_zone_not_in_UTC()
    {
        // Monday 4 January 2027 08:00 in Auckland (+13) is still Sunday 3 January in UTC (W53 there),
        // but in the organizer's zone it is W01: it fills W01, and W53 stays open.
        var request = Request(Auckland, 60, [Rule("sunday", "09:00", "10:00"), Rule("tuesday", "09:00", "10:00")]) with
        {
            MaxBookingsPerWeek = 1,
            EventTypeBookings = new BookingStarts([At("2027-01-04T08:00+13")]),
        };
        var (start, end) = SlotEngine.DateRange(Date("2027-01-03"), Date("2027-01-05"), Auckland);

        Assert.Equal(["2027-01-03T09:00+13"], SlotEngine.Slots(request, start, end).Select(s => Local(s.Start, Auckland)));
    }

    [Fact]
    public void An_unavailable_override_empties_its_date_only()
    {
        var request = Request(Berlin, 60, [Rule("monday", "09:00", "11:00")]) with
        {
            Overrides = [DateOverride.Unavailable(Date("2026-06-08"))],
        };
        var (start, end) = SlotEngine.DateRange(Date("2026-06-01"), Date("2026-06-15"), Berlin);

        Assert.Equal(
            ["2026-06-01T09:00+02", "2026-06-01T10:00+02", "2026-06-15T09:00+02", "2026-06-15T10:00+02"],
            SlotEngine.Slots(request, start, end).Select(s => Local(s.Start, Berlin)));
        Assert.Equal(StartReason.NotAvailable, SlotEngine.Assess(request, At("2026-06-08T09:00+02")).Reason);
    }

    [Fact]
    public void A_replacement_override_replaces_the_rules_of_its_date_and_can_open_a_day_without_rules()
    {
        var request = Request(Berlin, 60, [Rule("monday", "09:00", "11:00")]) with
        {
            Overrides =
            [
                new DateOverride(Date("2026-06-01"), [new TimeWindow(14 * 60, 15 * 60), new TimeWindow(15 * 60, 16 * 60 + 30)]),
                new DateOverride(Date("2026-06-06"), [new TimeWindow(10 * 60, 11 * 60)]), // a Saturday
            ],
        };
        var (start, end) = SlotEngine.DateRange(Date("2026-06-01"), Date("2026-06-07"), Berlin);

        // Touching override windows merge into one grid, as rules do: 14:00, 15:00 (16:00 would pass 16:30).
        Assert.Equal(
            ["2026-06-01T14:00+02", "2026-06-01T15:00+02", "2026-06-06T10:00+02"],
            SlotEngine.Slots(request, start, end).Select(s => Local(s.Start, Berlin)));
    }

    [Fact]
    public void Blocked_time_removes_slots_of_every_event_type_and_is_not_a_conflict()
    {
        var blocked = new BusyTimes([new Interval(At("2026-06-01T10:30+02"), At("2026-06-01T12:00+02"))]);
        var request = Request(Berlin, 60, [Rule("monday", "09:00", "14:00")]) with { Blocked = blocked, BufferAfter = Duration.FromMinutes(15) };

        Assert.Equal(["09:00+02", "12:00+02", "13:00+02"], Starts(SlotsOn(request, Monday), Berlin));
        // 09:00's after-buffer ends at 10:15, clear of the block; 10:00 overlaps it. A start the
        // organizer has blocked is not offered whatever other bookings do: 422, not 409.
        Assert.Equal(StartReason.Blocked, SlotEngine.Assess(request, At("2026-06-01T10:00+02")).Reason);
        Assert.Equal(StartVerdict.OutsideAvailability, SlotEngine.Classify(request, At("2026-06-01T10:00+02")));
    }

    [Fact]
    public void Settings_build_a_request_whose_defaults_are_off()
    {
        var plain = SlotRequest.For(Berlin, [Rule("monday", "09:00", "10:00")], new EventTypeSettings(30), BusyTimes.None, LongAgo);

        Assert.Null(plain.SlotInterval);
        Assert.Equal(Duration.Zero, plain.BufferBefore + plain.BufferAfter + plain.MinimumNotice);
        Assert.Null(plain.MaxDaysInFuture);
        Assert.Null(plain.MaxBookingsPerDay);
        Assert.Null(plain.MaxBookingsPerWeek);
        Assert.Equal(["09:00+02", "09:30+02"], Starts(SlotsOn(plain, Monday), Berlin));
    }

    [Fact]
    public void Two_overrides_for_one_date_are_a_programming_error()
    {
        var request = Request(Berlin, 60, [Rule("monday", "09:00", "11:00")]) with
        {
            Overrides = [DateOverride.Unavailable(Date(Monday)), DateOverride.Unavailable(Date(Monday))],
        };

        Assert.Throws<ArgumentException>(() => SlotsOn(request, Monday));
    }
}
