using NodaTime;
using Scheduler.Domain;
using static Scheduler.Tests.Domain.SlotTestKit;

namespace Scheduler.Tests.Domain;

public sealed class SlotEngineTests
{
    // 2026-06-01 is a Monday; Berlin is on summer time (+02).
    private const string Monday = "2026-06-01";

    [Fact]
    public void A_weekday_from_9_to_17_with_30_minute_slots_offers_16_slots()
    {
        var slots = SlotsOn(Request(Berlin, 30, [Rule("monday", "09:00", "17:00")]), Monday);

        Assert.Equal(16, slots.Count);
        Assert.Equal(At("2026-06-01T09:00+02"), slots[0].Start);
        Assert.Equal(At("2026-06-01T16:30+02"), slots[^1].Start);
        Assert.All(slots, s => Assert.Equal(Duration.FromMinutes(30), s.End - s.Start));
    }

    [Fact]
    public void Slots_come_ascending_by_start_without_duplicates()
    {
        var slots = SlotsOn(Request(Berlin, 30, [Rule("monday", "09:00", "17:00")]), Monday);

        Assert.Equal(slots.OrderBy(s => s.Start).Distinct(), slots);
    }

    [Fact]
    public void A_window_ending_at_24_00_offers_its_last_slot_up_to_midnight()
    {
        var slots = SlotsOn(Request(Berlin, 60, [Rule("monday", "21:00", "24:00")]), Monday);

        Assert.Equal(["21:00+02", "22:00+02", "23:00+02"], Starts(slots, Berlin));
        Assert.Equal(At("2026-06-02T00:00+02"), slots[^1].End);
    }

    [Fact]
    public void A_slot_that_would_pass_the_window_end_is_not_offered()
    {
        var slots = SlotsOn(Request(Berlin, 45, [Rule("monday", "09:00", "11:00")]), Monday);

        // 10:30 + 45 min = 11:15 > 11:00.
        Assert.Equal(["09:00+02", "09:45+02"], Starts(slots, Berlin));
    }

    [Fact]
    public void Touching_rules_form_one_grid_from_the_merged_start()
    {
        var merged = SlotsOn(Request(Berlin, 45, [Rule("monday", "09:00", "10:00"), Rule("monday", "10:00", "11:30")]), Monday);

        // As one window 09:00-11:30: 09:00, 09:45, 10:30 — not 09:00 and 10:00, 10:45 as two windows.
        Assert.Equal(["09:00+02", "09:45+02", "10:30+02"], Starts(merged, Berlin));
    }

    [Fact]
    public void Overlapping_rules_offer_each_slot_once()
    {
        var slots = SlotsOn(Request(Berlin, 60, [Rule("monday", "09:00", "12:00"), Rule("monday", "10:00", "11:00")]), Monday);

        Assert.Equal(["09:00+02", "10:00+02", "11:00+02"], Starts(slots, Berlin));
    }

    [Fact]
    public void Days_without_rules_offer_nothing()
    {
        var slots = SlotsOn(Request(Berlin, 30, [Rule("tuesday", "09:00", "17:00")]), Monday);

        Assert.Empty(slots);
    }

    [Fact]
    public void Only_slots_starting_inside_the_half_open_range_are_returned()
    {
        var request = Request(Berlin, 60, [Rule("monday", "09:00", "17:00")]);

        var slots = SlotEngine.Slots(request, At("2026-06-01T10:00+02"), At("2026-06-01T12:00+02"));

        Assert.Equal(["10:00+02", "11:00+02"], Starts(slots, Berlin));
    }

    [Fact]
    public void An_empty_or_reversed_range_returns_nothing()
    {
        var request = Request(Berlin, 60, [Rule("monday", "09:00", "17:00")]);

        Assert.Empty(SlotEngine.Slots(request, At("2026-06-01T12:00+02"), At("2026-06-01T12:00+02")));
        Assert.Empty(SlotEngine.Slots(request, At("2026-06-01T12:00+02"), At("2026-06-01T10:00+02")));
    }

    [Fact]
    public void A_range_of_several_weeks_repeats_the_weekly_rules()
    {
        var request = Request(Berlin, 60, [Rule("monday", "09:00", "10:00"), Rule("friday", "14:00", "15:00")]);
        var (start, end) = SlotEngine.DateRange(Date("2026-06-01"), Date("2026-06-14"), Berlin);

        var slots = SlotEngine.Slots(request, start, end);

        Assert.Equal(
            ["2026-06-01T09:00+02", "2026-06-05T14:00+02", "2026-06-08T09:00+02", "2026-06-12T14:00+02"],
            slots.Select(s => Local(s.Start, Berlin)));
    }

    [Fact]
    public void Past_slots_are_not_offered()
    {
        var now = At("2026-06-01T10:15+02");
        var slots = SlotsOn(Request(Berlin, 30, [Rule("monday", "09:00", "12:00")], now: now), Monday);

        Assert.Equal(["10:30+02", "11:00+02", "11:30+02"], Starts(slots, Berlin));
    }

    [Fact]
    public void A_slot_starting_exactly_now_is_still_offered()
    {
        var now = At("2026-06-01T10:30+02");
        var slots = SlotsOn(Request(Berlin, 30, [Rule("monday", "09:00", "11:00")], now: now), Monday);

        Assert.Equal(["10:30+02"], Starts(slots, Berlin));
    }

    [Fact]
    public void Busy_intervals_remove_every_slot_they_overlap_whatever_their_length()
    {
        Interval[] busy =
        [
            new(At("2026-06-01T09:10+02"), At("2026-06-01T09:20+02")), // inside one slot
            new(At("2026-06-01T10:45+02"), At("2026-06-01T12:15+02")), // across three slots
        ];

        var slots = SlotsOn(Request(Berlin, 30, [Rule("monday", "09:00", "13:00")], busy), Monday);

        Assert.Equal(["09:30+02", "10:00+02", "12:30+02"], Starts(slots, Berlin));
    }

    [Fact]
    public void Bookings_that_only_touch_a_slot_do_not_remove_it()
    {
        Interval[] busy =
        [
            new(At("2026-06-01T08:00+02"), At("2026-06-01T09:00+02")),
            new(At("2026-06-01T10:00+02"), At("2026-06-01T11:00+02")),
        ];

        var slots = SlotsOn(Request(Berlin, 60, [Rule("monday", "09:00", "12:00")], busy), Monday);

        Assert.Equal(["09:00+02", "11:00+02"], Starts(slots, Berlin));
    }

    [Fact]
    public void A_non_positive_duration_is_a_programming_error()
    {
        var request = Request(Berlin, 0, [Rule("monday", "09:00", "17:00")]);

        Assert.Throws<ArgumentOutOfRangeException>(() => SlotsOn(request, Monday));
    }
}
