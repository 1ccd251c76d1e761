using NodaTime;
using Scheduler.Domain;
using static Scheduler.Tests.Domain.SlotTestKit;

namespace Scheduler.Tests.Domain;

/// <summary>The domain is the one parser and validator of rules, overrides, blocks and settings; errors name API fields.</summary>
public sealed class ValidationTests
{
    [Fact]
    public void Settings_with_every_option_off_are_valid()
    {
        Assert.Empty(new EventTypeSettings(30).Validate());
    }

    [Fact]
    public void Settings_at_their_limits_are_valid()
    {
        var settings = new EventTypeSettings(1440)
        {
            ReminderMinutes = 10080,
            SlotIntervalMinutes = 1440,
            BufferBeforeMinutes = 1440,
            BufferAfterMinutes = 0,
            MinimumNoticeMinutes = 525600,
            MaxDaysInFuture = 0,
            MaxBookingsPerDay = 1,
            MaxBookingsPerWeek = 10000,
        };

        Assert.Empty(settings.Validate());
    }

    [Theory]
    [InlineData("durationMinutes")]
    [InlineData("reminderMinutes")]
    [InlineData("slotIntervalMinutes")]
    [InlineData("bufferBeforeMinutes")]
    [InlineData("bufferAfterMinutes")]
    [InlineData("minimumNoticeMinutes")]
    [InlineData("maxDaysInFuture")]
    [InlineData("maxBookingsPerDay")]
    [InlineData("maxBookingsPerWeek")]
    public void Each_setting_out_of_range_is_reported_under_its_field(string field)
    {
        var settings = field switch
        {
            "durationMinutes" => new EventTypeSettings(0),
            "reminderMinutes" => new EventTypeSettings(30) { ReminderMinutes = 10081 },
            "slotIntervalMinutes" => new EventTypeSettings(30) { SlotIntervalMinutes = 0 },
            "bufferBeforeMinutes" => new EventTypeSettings(30) { BufferBeforeMinutes = -1 },
            "bufferAfterMinutes" => new EventTypeSettings(30) { BufferAfterMinutes = 1441 },
            "minimumNoticeMinutes" => new EventTypeSettings(30) { MinimumNoticeMinutes = -5 },
            "maxDaysInFuture" => new EventTypeSettings(30) { MaxDaysInFuture = 3651 },
            "maxBookingsPerDay" => new EventTypeSettings(30) { MaxBookingsPerDay = 0 },
            _ => new EventTypeSettings(30) { MaxBookingsPerWeek = -1 },
        };

        var error = Assert.Single(settings.Validate());
        Assert.Equal(field, error.Field);
    }

    [Fact]
    public void A_rule_parses_and_each_wrong_field_is_reported_with_its_prefix()
    {
        var errors = new List<FieldError>();

        Assert.Equal(Rule("monday", "09:00", "17:00"), AvailabilityRules.Parse("MONDAY", "09:00", "17:00", "[0].", errors));
        Assert.Null(AvailabilityRules.Parse("Funday", "9:00", "25:00", "[1].", errors));
        Assert.Null(AvailabilityRules.Parse("Monday", "10:00", "09:00", "[2].", errors));
        // System.Enum parsing would have read "Monday, Tuesday" as a flags value (Wednesday) and "3" as a number.
        Assert.Null(AvailabilityRules.Parse("Monday, Tuesday", "09:00", "10:00", "[3].", errors));
        Assert.Null(AvailabilityRules.Parse("3", "09:00", "10:00", "[4].", errors));

        Assert.Equal(
            ["[1].dayOfWeek", "[1].startTime", "[1].endTime", "[2].endTime", "[3].dayOfWeek", "[4].dayOfWeek"],
            errors.Select(e => e.Field));
        Assert.Equal("Must be after startTime.", errors[3].Message);
    }

    [Fact]
    public void Days_format_as_the_API_has_always_written_them()
    {
        Assert.Equal(
            Enum.GetValues<IsoDayOfWeek>().Skip(1).Select(d => NodaTime.Utility.BclConversions.ToDayOfWeek(d).ToString()),
            Enum.GetValues<IsoDayOfWeek>().Skip(1).Select(AvailabilityRules.FormatDay));
    }

    [Fact]
    public void The_rule_count_limit_is_a_domain_rule()
    {
        Assert.Null(AvailabilityRules.CheckCount(AvailabilityRules.MaxRules));
        Assert.Equal("body", AvailabilityRules.CheckCount(AvailabilityRules.MaxRules + 1)?.Field);
    }

    [Fact]
    public void An_override_is_either_unavailable_or_a_list_of_intervals()
    {
        var errors = new List<FieldError>();

        var off = DateOverrides.Parse("2026-12-24", unavailable: true, intervals: null, errors);
        var hours = DateOverrides.Parse("2026-12-31", unavailable: null, [("10:00", "12:00"), ("11:00", "13:00")], errors);

        Assert.Empty(errors);
        Assert.True(off!.IsUnavailable);
        Assert.Equal(Date("2026-12-24"), off.Date);
        Assert.Equal([new TimeWindow(600, 720), new TimeWindow(660, 780)], hours!.Windows);
    }

    [Theory]
    [InlineData("2026-02-30", true, 0, "date")]
    [InlineData("24.12.2026", true, 0, "date")]
    [InlineData("0001-01-01", true, 0, "date")]
    [InlineData("2026-12-24", null, 0, "intervals")]
    [InlineData("2026-12-24", false, 0, "intervals")]
    [InlineData("2026-12-24", true, 1, "intervals")]
    [InlineData("2026-12-24", null, 49, "intervals")]
    public void An_invalid_override_is_reported_under_its_field(string date, bool? unavailable, int intervalCount, string field)
    {
        var errors = new List<FieldError>();
        var intervals = Enumerable.Repeat<(string?, string?)>(("09:00", "10:00"), intervalCount).ToList();

        Assert.Null(DateOverrides.Parse(date, unavailable, intervals, errors));
        Assert.Equal(field, Assert.Single(errors).Field);
    }

    [Fact]
    public void A_wrong_override_interval_is_reported_with_its_index()
    {
        var errors = new List<FieldError>();

        Assert.Null(DateOverrides.Parse("2026-12-24", null, [("09:00", "10:00"), ("11:00", "10:00")], errors));
        Assert.Equal("intervals[1].endTime", Assert.Single(errors).Field);
    }

    [Fact]
    public void A_block_must_end_after_it_starts_and_last_at_most_366_days()
    {
        var start = At("2026-06-01T09:00+02");

        Assert.Empty(BlockedTimes.Validate(start, start + Duration.FromDays(366)));
        Assert.Equal("end", Assert.Single(BlockedTimes.Validate(start, start)).Field);
        Assert.Equal("end", Assert.Single(BlockedTimes.Validate(start, start + Duration.FromDays(367))).Field);
    }
}
