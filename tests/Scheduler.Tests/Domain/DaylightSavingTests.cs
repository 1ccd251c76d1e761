using Scheduler.Domain;
using static Scheduler.Tests.Domain.SlotTestKit;

namespace Scheduler.Tests.Domain;

/// <summary>
/// Europe/Berlin, 2026: on Sunday 29 March clocks jump from 02:00 (+01) to 03:00 (+02), so 02:xx
/// does not exist; on Sunday 25 October they fall back from 03:00 (+02) to 02:00 (+01), so 02:xx
/// happens twice.
/// </summary>
public sealed class DaylightSavingTests
{
    private const string SpringForward = "2026-03-29";
    private const string FallBack = "2026-10-25";

    [Fact]
    public void Candidate_in_the_spring_forward_gap_is_dropped()
    {
        var slots = SlotsOn(Request(Berlin, 60, [Rule("sunday", "00:00", "04:00")]), SpringForward);

        Assert.Equal(["00:00+01", "01:00+01", "03:00+02"], Starts(slots, Berlin));
    }

    [Fact]
    public void Slots_keep_their_elapsed_duration_across_the_jump()
    {
        var slots = SlotsOn(Request(Berlin, 60, [Rule("sunday", "00:00", "04:00")]), SpringForward);

        // 01:00+01 plus one hour is 03:00+02 on the wall clock.
        Assert.Equal(At("2026-03-29T03:00+02"), slots[1].End);
    }

    [Fact]
    public void Ambiguous_candidate_on_the_fall_back_day_yields_both_instants()
    {
        var slots = SlotsOn(Request(Berlin, 60, [Rule("sunday", "00:00", "04:00")]), FallBack);

        Assert.Equal(["00:00+02", "01:00+02", "02:00+02", "02:00+01", "03:00+01"], Starts(slots, Berlin));
    }

    [Fact]
    public void Ambiguous_starts_are_ordered_by_instant_not_by_wall_clock()
    {
        var slots = SlotsOn(Request(Berlin, 30, [Rule("sunday", "02:00", "03:00")]), FallBack);

        Assert.Equal(["02:00+02", "02:30+02", "02:00+01", "02:30+01"], Starts(slots, Berlin));
    }

    [Fact]
    public void A_window_ending_at_an_ambiguous_time_ends_at_its_later_occurrence()
    {
        var slots = SlotsOn(Request(Berlin, 150, [Rule("sunday", "01:00", "02:30")]), FallBack);

        // 01:00+02 plus 150 elapsed minutes is 02:30+01: it fits only because the window ends at
        // the later 02:30, an hour after the earlier one.
        Assert.Equal(["01:00+02"], Starts(slots, Berlin));
        Assert.Equal(At("2026-10-25T02:30+01"), slots[0].End);
    }

    [Fact]
    public void Slots_whose_elapsed_end_passes_the_window_end_are_not_offered_on_the_fall_back_day()
    {
        var slots = SlotsOn(Request(Berlin, 60, [Rule("sunday", "00:00", "02:30")]), FallBack);

        // The window ends at 02:30+01. The second 02:00 (+01) would end at 03:00+01: too late.
        Assert.Equal(["00:00+02", "01:00+02", "02:00+02"], Starts(slots, Berlin));
    }

    [Fact]
    public void A_window_ending_in_the_spring_forward_gap_is_shifted_forward_by_the_gap()
    {
        var slots = SlotsOn(Request(Berlin, 90, [Rule("sunday", "01:00", "02:30")]), SpringForward);

        // 02:30 does not exist; the window ends at 03:30+02, exactly 90 elapsed minutes after 01:00+01.
        Assert.Equal(["01:00+01"], Starts(slots, Berlin));
        Assert.Equal(At("2026-03-29T03:30+02"), slots[0].End);
    }

    [Fact]
    public void Slots_whose_elapsed_end_passes_the_window_end_are_not_offered_on_the_spring_forward_day()
    {
        var slots = SlotsOn(Request(Berlin, 120, [Rule("sunday", "01:00", "03:30")]), SpringForward);

        // 01:00+01 plus two hours is 04:00+02, past the window's 03:30+02; 03:00 is off the grid.
        Assert.Empty(slots);
    }

    [Fact]
    public void A_day_that_starts_in_a_gap_is_queried_from_its_first_instant()
    {
        // America/Santiago: on 2026-09-06 clocks jump from 00:00 (-04) to 01:00 (-03).
        var santiago = NodaTime.DateTimeZoneProviders.Tzdb["America/Santiago"];

        var (start, _) = SlotEngine.DateRange(Date("2026-09-06"), Date("2026-09-06"), santiago);

        Assert.Equal(At("2026-09-06T01:00-03"), start);
    }

    [Fact]
    public void A_rule_at_the_fall_back_hour_on_an_ordinary_sunday_is_unaffected()
    {
        var slots = SlotsOn(Request(Berlin, 60, [Rule("sunday", "00:00", "04:00")]), "2026-10-18");

        Assert.Equal(["00:00+02", "01:00+02", "02:00+02", "03:00+02"], Starts(slots, Berlin));
    }
}
