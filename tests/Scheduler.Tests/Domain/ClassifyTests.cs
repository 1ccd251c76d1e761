using NodaTime;
using Scheduler.Domain;
using static Scheduler.Tests.Domain.SlotTestKit;

namespace Scheduler.Tests.Domain;

public sealed class ClassifyTests
{
    private static readonly WeeklyRule[] MondayNineToFive = [Rule("monday", "09:00", "17:00")];

    private static readonly Interval BookedTenToEleven = new(At("2026-06-01T10:00+02"), At("2026-06-01T11:00+02"));

    [Fact]
    public void A_free_slot_start_is_offered()
    {
        var request = Request(Berlin, 30, MondayNineToFive, [BookedTenToEleven]);

        Assert.Equal(StartVerdict.Offered, SlotEngine.Classify(request, At("2026-06-01T09:30+02")));
    }

    [Fact]
    public void A_slot_start_blocked_by_a_booking_is_taken()
    {
        var request = Request(Berlin, 30, MondayNineToFive, [BookedTenToEleven]);

        Assert.Equal(StartVerdict.Taken, SlotEngine.Classify(request, At("2026-06-01T10:30+02")));
    }

    [Fact]
    public void A_slot_right_after_a_booking_is_offered()
    {
        var request = Request(Berlin, 30, MondayNineToFive, [BookedTenToEleven]);

        Assert.Equal(StartVerdict.Offered, SlotEngine.Classify(request, At("2026-06-01T11:00+02")));
    }

    [Theory]
    [InlineData("2026-06-01T09:10+02")] // off the 30-minute grid
    [InlineData("2026-06-01T10:10+02")] // off the grid, and inside a booking
    [InlineData("2026-06-01T08:30+02")] // before the window
    [InlineData("2026-06-01T17:00+02")] // at the window's end
    [InlineData("2026-06-02T09:00+02")] // a Tuesday
    public void A_start_off_the_grid_or_outside_the_rules_is_outside_availability(string start)
    {
        var request = Request(Berlin, 30, MondayNineToFive, [BookedTenToEleven]);

        Assert.Equal(StartVerdict.OutsideAvailability, SlotEngine.Classify(request, At(start)));
    }

    [Fact]
    public void A_start_whose_slot_would_pass_the_window_end_is_outside_availability()
    {
        var request = Request(Berlin, 45, [Rule("monday", "09:00", "11:00")]);

        Assert.Equal(StartVerdict.OutsideAvailability, SlotEngine.Classify(request, At("2026-06-01T10:30+02")));
    }

    [Fact]
    public void A_past_start_is_outside_availability_even_when_free()
    {
        var request = Request(Berlin, 30, MondayNineToFive, now: At("2026-06-01T12:00+02"));

        Assert.Equal(StartVerdict.OutsideAvailability, SlotEngine.Classify(request, At("2026-06-01T11:30+02")));
        Assert.Equal(StartVerdict.Offered, SlotEngine.Classify(request, At("2026-06-01T12:00+02")));
    }

    [Fact]
    public void A_past_start_is_outside_availability_even_when_taken()
    {
        var request = Request(Berlin, 30, MondayNineToFive, [BookedTenToEleven], now: At("2026-06-01T12:00+02"));

        Assert.Equal(StartVerdict.OutsideAvailability, SlotEngine.Classify(request, At("2026-06-01T10:00+02")));
    }

    [Fact]
    public void Both_occurrences_of_an_ambiguous_start_are_offered_and_the_gap_is_not()
    {
        var request = Request(Berlin, 60, [Rule("sunday", "00:00", "04:00")]);

        Assert.Equal(StartVerdict.Offered, SlotEngine.Classify(request, At("2026-10-25T02:00+02")));
        Assert.Equal(StartVerdict.Offered, SlotEngine.Classify(request, At("2026-10-25T02:00+01")));
        // 2026-03-29T02:00+01 is the instant 03:00+02, which is on the grid; 02:30+01 (03:30+02) is not.
        Assert.Equal(StartVerdict.OutsideAvailability, SlotEngine.Classify(request, At("2026-03-29T02:30+01")));
    }

    [Fact]
    public void A_booking_of_another_length_still_makes_an_overlapping_start_taken()
    {
        var busy = new Interval(At("2026-06-01T09:50+02"), At("2026-06-01T09:55+02"));
        var request = Request(Berlin, 60, MondayNineToFive, [busy]);

        Assert.Equal(StartVerdict.Taken, SlotEngine.Classify(request, At("2026-06-01T09:00+02")));
    }
}
