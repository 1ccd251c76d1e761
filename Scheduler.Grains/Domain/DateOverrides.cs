using NodaTime;
using NodaTime.Text;

namespace Scheduler.Domain;

/// <summary>Parsing and limits of date overrides, as the API receives them.</summary>
public static class DateOverrides
{
    /// <summary>At most this many windows on one date.</summary>
    public const int MaxWindowsPerDate = 48;

    /// <summary>At most this many overrides per organizer; the calendar enforces it when it stores one.</summary>
    public const int MaxOverrides = 1000;

    // Calendar arithmetic (a day either side, zone transitions) must never leave NodaTime's range.
    private const int MinYear = 1900;
    private const int MaxYear = 9000;

    /// <summary>An ISO date "uuuu-MM-dd" between the years 1900 and 9000.</summary>
    public static bool TryParseDate(string? text, out LocalDate date)
    {
        var result = LocalDatePattern.Iso.Parse(text ?? "");
        date = result.Success ? result.Value : default;
        return result.Success && date.Year is >= MinYear and <= MaxYear;
    }

    /// <summary>
    /// Parses <c>PUT /api/availability/overrides/{date}</c>: either <c>{unavailable: true}</c> or a
    /// non-empty <c>{intervals: [{startTime, endTime}]}</c>, not both. Errors go to
    /// <paramref name="errors"/> as "date", "unavailable", "intervals", "intervals[i].startTime", ….
    /// </summary>
    public static DateOverride? Parse(
        string? date,
        bool? unavailable,
        IReadOnlyList<(string? StartTime, string? EndTime)>? intervals,
        ICollection<FieldError> errors)
    {
        var before = errors.Count;
        if (!TryParseDate(date, out var day))
        {
            errors.Add(new FieldError("date", "A date yyyy-MM-dd."));
        }

        var windows = new List<TimeWindow>();
        if (unavailable == true)
        {
            if (intervals is { Count: > 0 })
            {
                errors.Add(new FieldError("intervals", "Either unavailable: true or intervals, not both."));
            }
        }
        else if (intervals is not { Count: > 0 })
        {
            errors.Add(new FieldError("intervals", "Required unless unavailable is true: at least one {startTime, endTime}."));
        }
        else if (intervals.Count > MaxWindowsPerDate)
        {
            errors.Add(new FieldError("intervals", $"At most {MaxWindowsPerDate} intervals."));
        }
        else
        {
            for (var i = 0; i < intervals.Count; i++)
            {
                if (AvailabilityRules.ParseWindow(intervals[i].StartTime, intervals[i].EndTime, $"intervals[{i}].", errors) is { } window)
                {
                    windows.Add(window);
                }
            }
        }

        return errors.Count == before ? new DateOverride(day, windows) : null;
    }

    /// <summary>An error when an organizer would hold more than <see cref="MaxOverrides"/> overrides.</summary>
    public static FieldError? CheckCount(int overrideCount) =>
        overrideCount > MaxOverrides ? new FieldError("date", $"At most {MaxOverrides} date overrides.") : null;
}
