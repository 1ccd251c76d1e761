using System.Diagnostics.CodeAnalysis;
using NodaTime;

namespace Scheduler.Domain;

/// <summary>Parsing, formatting and merging of weekly availability rules at the API edge.</summary>
public static class AvailabilityRules
{
    /// <summary>At most this many weekly rules per organizer; the calendar enforces it when it stores rules.</summary>
    public const int MaxRules = 200;

    // As the API has always written them (System.DayOfWeek names); parsing ignores case.
    private static readonly string[] DayNames =
        ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

    /// <summary>
    /// Parses one rule as the API receives it, adding an error per wrong field to
    /// <paramref name="errors"/> under <paramref name="fieldPrefix"/> (e.g. "[3]."): "dayOfWeek",
    /// "startTime", "endTime". Null when any field is wrong.
    /// </summary>
    public static WeeklyRule? Parse(string? day, string? startTime, string? endTime, string fieldPrefix, ICollection<FieldError> errors)
    {
        var valid = true;
        if (!TryParseDay(day, out var isoDay))
        {
            errors.Add(new FieldError(fieldPrefix + "dayOfWeek", "A day name such as Monday."));
            valid = false;
        }

        var window = ParseWindow(startTime, endTime, fieldPrefix, errors);
        return valid && window is not null ? new WeeklyRule(isoDay, window.StartMinute, window.EndMinute) : null;
    }

    /// <summary>
    /// Parses "startTime"/"endTime" ("HH:mm", the end may be "24:00" and must be after the start),
    /// adding an error per wrong field under <paramref name="fieldPrefix"/>. Null when any is wrong.
    /// </summary>
    public static TimeWindow? ParseWindow(string? startTime, string? endTime, string fieldPrefix, ICollection<FieldError> errors)
    {
        var valid = true;
        if (!TryParseTime(startTime, allowEndOfDay: false, out var start))
        {
            errors.Add(new FieldError(fieldPrefix + "startTime", "A time HH:mm from 00:00 to 23:59."));
            valid = false;
        }

        if (!TryParseTime(endTime, allowEndOfDay: true, out var end))
        {
            errors.Add(new FieldError(fieldPrefix + "endTime", "A time HH:mm from 00:01 to 24:00."));
            valid = false;
        }

        if (valid && end <= start)
        {
            errors.Add(new FieldError(fieldPrefix + "endTime", "Must be after startTime."));
            valid = false;
        }

        return valid ? new TimeWindow(start, end) : null;
    }

    /// <summary>An error when an organizer would hold more than <see cref="MaxRules"/> rules.</summary>
    public static FieldError? CheckCount(int ruleCount) =>
        ruleCount > MaxRules ? new FieldError("body", $"At most {MaxRules} rules.") : null;

    /// <summary>
    /// Parses one rule as the API receives it: an English day name (case-insensitive) and
    /// "HH:mm" times; <paramref name="endTime"/> may be "24:00". On failure <paramref name="error"/>
    /// says what is wrong in words a client can show (the API answers 400 with it).
    /// </summary>
    public static bool TryParse(
        string? day,
        string? startTime,
        string? endTime,
        [NotNullWhen(true)] out WeeklyRule? rule,
        [NotNullWhen(false)] out string? error)
    {
        rule = null;
        if (!TryParseDay(day, out var isoDay))
        {
            error = $"day '{day}' is not a day of the week; expected one of {string.Join(", ", DayNames)}.";
            return false;
        }

        if (!TryParseTime(startTime, allowEndOfDay: false, out var start))
        {
            error = $"startTime '{startTime}' is not a time of day; expected HH:mm from 00:00 to 23:59.";
            return false;
        }

        if (!TryParseTime(endTime, allowEndOfDay: true, out var end))
        {
            error = $"endTime '{endTime}' is not a time of day; expected HH:mm from 00:01 to 24:00.";
            return false;
        }

        error = Validate(isoDay, start, end);
        if (error is not null)
        {
            return false;
        }

        rule = new WeeklyRule(isoDay, start, end);
        return true;
    }

    /// <summary>Null when the values form a valid rule, otherwise the reason they do not.</summary>
    public static string? Validate(IsoDayOfWeek day, int startMinute, int endMinute)
    {
        return day is < IsoDayOfWeek.Monday or > IsoDayOfWeek.Sunday
            ? $"day {day} is not a day of the week."
            : ValidateTimes(startMinute, endMinute);
    }

    /// <summary>Null when the minutes form a valid window of one day, otherwise the reason they do not.</summary>
    public static string? ValidateTimes(int startMinute, int endMinute)
    {
        if (startMinute is < 0 or >= WeeklyRule.MinutesPerDay)
        {
            return $"startTime must be between 00:00 and 23:59 (got minute {startMinute}).";
        }

        if (endMinute is < 0 or > WeeklyRule.MinutesPerDay)
        {
            return $"endTime must be between 00:00 and 24:00 (got minute {endMinute}).";
        }

        return endMinute <= startMinute
            ? $"endTime {FormatTime(endMinute)} must be after startTime {FormatTime(startMinute)}."
            : null;
    }

    /// <summary>Accepts exactly "HH:mm"; "24:00" only when <paramref name="allowEndOfDay"/>.</summary>
    public static bool TryParseTime(string? text, bool allowEndOfDay, out int minutes)
    {
        minutes = 0;
        if (text is not { Length: 5 } || text[2] != ':' ||
            !IsDigit(text[0]) || !IsDigit(text[1]) || !IsDigit(text[3]) || !IsDigit(text[4]))
        {
            return false;
        }

        var hour = (text[0] - '0') * 10 + (text[1] - '0');
        var minute = (text[3] - '0') * 10 + (text[4] - '0');
        if (minute > 59 || hour > 24 || (hour == 24 && (minute != 0 || !allowEndOfDay)))
        {
            return false;
        }

        minutes = hour * 60 + minute;
        return true;

        static bool IsDigit(char c) => c is >= '0' and <= '9';
    }

    /// <summary>"HH:mm"; 1440 formats as "24:00" so an end of day round-trips.</summary>
    public static string FormatTime(int minutesSinceMidnight) =>
        minutesSinceMidnight is < 0 or > WeeklyRule.MinutesPerDay
            ? throw new ArgumentOutOfRangeException(nameof(minutesSinceMidnight))
            : $"{minutesSinceMidnight / 60:00}:{minutesSinceMidnight % 60:00}";

    public static bool TryParseDay(string? text, out IsoDayOfWeek day)
    {
        var index = Array.FindIndex(DayNames, name => string.Equals(name, text, StringComparison.OrdinalIgnoreCase));
        day = index < 0 ? IsoDayOfWeek.None : (IsoDayOfWeek)(index + 1);
        return index >= 0;
    }

    /// <summary>English name as the API writes it ("Monday"); <see cref="TryParseDay"/> accepts it in any case.</summary>
    public static string FormatDay(IsoDayOfWeek day) =>
        day is < IsoDayOfWeek.Monday or > IsoDayOfWeek.Sunday
            ? throw new ArgumentOutOfRangeException(nameof(day))
            : DayNames[(int)day - 1];

    /// <summary>
    /// Joins overlapping or touching windows of one day into sorted, disjoint, non-touching ones,
    /// as <see cref="Merge"/> does for the rules of one day of the week.
    /// </summary>
    public static IReadOnlyList<TimeWindow> MergeWindows(IEnumerable<TimeWindow> windows)
    {
        var sorted = windows.OrderBy(w => w.StartMinute).ToList();
        var merged = new List<TimeWindow>(sorted.Count);
        foreach (var window in sorted)
        {
            if (merged.Count > 0 && merged[^1] is var last && window.StartMinute <= last.EndMinute)
            {
                if (window.EndMinute > last.EndMinute)
                {
                    merged[^1] = new TimeWindow(last.StartMinute, window.EndMinute);
                }
            }
            else
            {
                merged.Add(window);
            }
        }

        return merged;
    }

    /// <summary>
    /// Joins overlapping or touching rules of the same day into one window each, ordered by day
    /// then start. Slot grids start at each merged window's start, so this decides the grid.
    /// Rules never join across midnight: each day's grid restarts at its own windows.
    /// </summary>
    public static IReadOnlyList<WeeklyRule> Merge(IEnumerable<WeeklyRule> rules)
    {
        var sorted = rules.OrderBy(r => r.Day).ThenBy(r => r.StartMinute).ToList();
        var merged = new List<WeeklyRule>(sorted.Count);
        foreach (var rule in sorted)
        {
            if (merged.Count > 0 && merged[^1] is var last && last.Day == rule.Day && rule.StartMinute <= last.EndMinute)
            {
                if (rule.EndMinute > last.EndMinute)
                {
                    merged[^1] = new WeeklyRule(last.Day, last.StartMinute, rule.EndMinute);
                }
            }
            else
            {
                merged.Add(rule);
            }
        }

        return merged;
    }
}
