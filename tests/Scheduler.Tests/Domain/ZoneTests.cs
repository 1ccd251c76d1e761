using Scheduler.Domain;
using static Scheduler.Tests.Domain.SlotTestKit;

namespace Scheduler.Tests.Domain;

public sealed class ZoneTests
{
    [Fact]
    public void A_half_hour_zone_converts_local_rules_to_the_right_instants()
    {
        var slots = SlotsOn(Request(Kolkata, 30, [Rule("monday", "09:00", "10:00")]), "2026-06-01");

        Assert.Equal([At("2026-06-01T03:30+00"), At("2026-06-01T04:00+00")], slots.Select(s => s.Start));
    }

    [Fact]
    public void A_half_hour_zone_with_daylight_saving_uses_the_offset_of_each_date()
    {
        // Adelaide is +10:30 until 5 April 2026 03:00, then +09:30.
        var request = Request(Adelaide, 60, [Rule("monday", "09:00", "10:00")]);
        var (start, end) = SlotEngine.DateRange(Date("2026-03-30"), Date("2026-04-06"), Adelaide);

        var slots = SlotEngine.Slots(request, start, end);

        Assert.Equal([At("2026-03-29T22:30+00"), At("2026-04-05T23:30+00")], slots.Select(s => s.Start));
    }

    [Fact]
    public void A_viewer_in_another_zone_sees_slots_under_their_own_dates()
    {
        // Monday 09:00 in Kolkata is Sunday 20:30 in Los Angeles.
        var request = Request(Kolkata, 30, [Rule("monday", "09:00", "10:00")]);

        var (sundayStart, sundayEnd) = SlotEngine.DateRange(Date("2026-05-31"), Date("2026-05-31"), LosAngeles);
        var (mondayStart, mondayEnd) = SlotEngine.DateRange(Date("2026-06-01"), Date("2026-06-01"), LosAngeles);

        Assert.Equal(
            ["2026-05-31T20:30-07", "2026-05-31T21:00-07"],
            SlotEngine.Slots(request, sundayStart, sundayEnd).Select(s => Local(s.Start, LosAngeles)));
        Assert.Empty(SlotEngine.Slots(request, mondayStart, mondayEnd));
    }

    [Fact]
    public void A_viewer_range_that_splits_an_organizer_day_gets_only_its_part()
    {
        // The organizer's Monday 18:00-24:00 in Berlin (+02) is 21:30-03:30 in Kolkata (+05:30),
        // so it straddles the viewer's midnight.
        var request = Request(Berlin, 60, [Rule("monday", "18:00", "24:00")]);
        var (start, end) = SlotEngine.DateRange(Date("2026-06-01"), Date("2026-06-01"), Kolkata);

        var slots = SlotEngine.Slots(request, start, end);

        // Kolkata's 1 June ends at 2026-06-01T20:30+02 in Berlin: slots 18:00, 19:00, 20:00 only.
        Assert.Equal(["18:00+02", "19:00+02", "20:00+02"], Starts(slots, Berlin));
    }

    [Fact]
    public void Date_range_spans_from_the_first_days_midnight_to_the_midnight_after_the_last_day()
    {
        var (start, end) = SlotEngine.DateRange(Date("2026-06-01"), Date("2026-06-02"), Kolkata);

        Assert.Equal(At("2026-05-31T18:30+00"), start);
        Assert.Equal(At("2026-06-02T18:30+00"), end);
    }

    [Fact]
    public void Date_range_rejects_a_to_date_before_the_from_date()
    {
        Assert.Throws<ArgumentException>(() => SlotEngine.DateRange(Date("2026-06-02"), Date("2026-06-01"), Kolkata));
    }
}
