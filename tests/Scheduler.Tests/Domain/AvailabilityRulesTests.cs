using NodaTime;
using Scheduler.Domain;
using static Scheduler.Tests.Domain.SlotTestKit;

namespace Scheduler.Tests.Domain;

public sealed class AvailabilityRulesTests
{
    [Fact]
    public void A_rule_parses_from_day_name_and_HH_mm_times()
    {
        Assert.True(AvailabilityRules.TryParse("Monday", "09:00", "17:30", out var rule, out var error));

        Assert.Null(error);
        Assert.Equal(new WeeklyRule(IsoDayOfWeek.Monday, 9 * 60, 17 * 60 + 30), rule);
    }

    [Theory]
    [InlineData("monday")]
    [InlineData("MONDAY")]
    [InlineData("Monday")]
    public void Day_names_are_case_insensitive(string day)
    {
        Assert.True(AvailabilityRules.TryParse(day, "09:00", "10:00", out var rule, out _));
        Assert.Equal(IsoDayOfWeek.Monday, rule.Day);
    }

    [Fact]
    public void An_end_of_24_00_means_the_end_of_the_day_and_round_trips()
    {
        var rule = Rule("sunday", "22:00", "24:00");

        Assert.Equal(WeeklyRule.MinutesPerDay, rule.EndMinute);
        Assert.Equal("24:00", AvailabilityRules.FormatTime(rule.EndMinute));
        Assert.Equal("Sunday 22:00-24:00", rule.ToString());
    }

    [Theory]
    [InlineData("09:00", "09:00", "must be after startTime")]
    [InlineData("17:00", "09:00", "must be after startTime")]
    [InlineData("24:00", "24:00", "startTime '24:00'")]
    [InlineData("9:00", "17:00", "startTime '9:00'")]
    [InlineData("09:60", "17:00", "startTime '09:60'")]
    [InlineData("09:00", "24:01", "endTime '24:01'")]
    [InlineData("09:00", "25:00", "endTime '25:00'")]
    [InlineData("09:00", "5pm", "endTime '5pm'")]
    [InlineData("09:00", "", "endTime ''")]
    [InlineData("09:00", null, "endTime ''")]
    [InlineData(" 09:00", "17:00", "startTime ' 09:00'")]
    public void Invalid_times_are_rejected_with_a_message_naming_the_field(string? start, string? end, string expected)
    {
        Assert.False(AvailabilityRules.TryParse("monday", start, end, out var rule, out var error));

        Assert.Null(rule);
        Assert.Contains(expected, error);
    }

    [Theory]
    [InlineData("Funday")]
    [InlineData("mon")]
    [InlineData("1")]
    [InlineData("")]
    [InlineData(null)]
    public void An_unknown_day_is_rejected_with_a_message(string? day)
    {
        Assert.False(AvailabilityRules.TryParse(day, "09:00", "17:00", out _, out var error));

        Assert.Contains("is not a day of the week", error);
    }

    [Fact]
    public void An_invalid_rule_cannot_be_constructed_either()
    {
        Assert.Throws<ArgumentException>(() => new WeeklyRule(IsoDayOfWeek.Monday, 600, 540));
        Assert.Throws<ArgumentException>(() => new WeeklyRule(IsoDayOfWeek.None, 540, 600));
        Assert.Throws<ArgumentException>(() => new WeeklyRule(IsoDayOfWeek.Monday, 0, 1441));
    }

    [Theory]
    [InlineData(0, "00:00")]
    [InlineData(9 * 60 + 5, "09:05")]
    [InlineData(23 * 60 + 59, "23:59")]
    [InlineData(1440, "24:00")]
    public void Times_format_as_HH_mm(int minutes, string expected)
    {
        Assert.Equal(expected, AvailabilityRules.FormatTime(minutes));
        Assert.True(AvailabilityRules.TryParseTime(expected, allowEndOfDay: true, out var parsed));
        Assert.Equal(minutes, parsed);
    }

    [Fact]
    public void Overlapping_and_touching_rules_of_one_day_merge_into_one_window()
    {
        var merged = AvailabilityRules.Merge(
        [
            Rule("monday", "13:00", "15:00"),
            Rule("monday", "09:00", "11:00"),
            Rule("monday", "10:00", "12:00"),
            Rule("monday", "12:00", "13:00"),
            Rule("monday", "16:00", "17:00"),
            Rule("monday", "16:15", "16:45"),
        ]);

        Assert.Equal([Rule("monday", "09:00", "15:00"), Rule("monday", "16:00", "17:00")], merged);
    }

    [Fact]
    public void Rules_of_different_days_do_not_merge_even_across_midnight()
    {
        var merged = AvailabilityRules.Merge([Rule("tuesday", "00:00", "02:00"), Rule("monday", "22:00", "24:00")]);

        Assert.Equal([Rule("monday", "22:00", "24:00"), Rule("tuesday", "00:00", "02:00")], merged);
    }
}
