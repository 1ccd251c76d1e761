namespace Scheduler.Domain;

/// <summary>
/// The scheduling settings of one event type, as stored and as the API carries them. Every
/// optional setting is null when off. <see cref="Validate"/> is the only place their ranges live:
/// the calendar refuses invalid settings inside its decision, and the web layer translates the
/// errors.
/// </summary>
public sealed record EventTypeSettings(int DurationMinutes)
{
    public const int MaxDurationMinutes = 24 * 60;
    public const int DefaultReminderMinutes = 60;
    public const int MaxReminderMinutes = 7 * 24 * 60;
    public const int MaxSlotIntervalMinutes = 24 * 60;
    public const int MaxBufferMinutes = 24 * 60;
    public const int MaxMinimumNoticeMinutes = 365 * 24 * 60;
    public const int MaxDaysInFutureLimit = 3650;
    public const int MaxBookingsLimit = 10_000;

    /// <summary>Minutes before the start at which the "starts soon" notification goes out; 0 = none.</summary>
    public int ReminderMinutes { get; init; } = DefaultReminderMinutes;

    /// <summary>Step between candidate starts; null = the duration.</summary>
    public int? SlotIntervalMinutes { get; init; }

    public int? BufferBeforeMinutes { get; init; }

    public int? BufferAfterMinutes { get; init; }

    public int? MinimumNoticeMinutes { get; init; }

    /// <summary>Rolling horizon in days after today in the organizer's zone; 0 = today only.</summary>
    public int? MaxDaysInFuture { get; init; }

    public int? MaxBookingsPerDay { get; init; }

    /// <summary>Per ISO week (Monday to Sunday) in the organizer's zone.</summary>
    public int? MaxBookingsPerWeek { get; init; }

    /// <summary>Empty when valid; otherwise one error per offending field.</summary>
    public IReadOnlyList<FieldError> Validate()
    {
        var errors = new List<FieldError>();
        Range("durationMinutes", DurationMinutes, 1, MaxDurationMinutes, "Between 1 and 1440 minutes.");
        Range("reminderMinutes", ReminderMinutes, 0, MaxReminderMinutes, "Between 0 (no reminder) and 10080 (a week).");
        Optional("slotIntervalMinutes", SlotIntervalMinutes, 1, MaxSlotIntervalMinutes, "Between 1 and 1440 minutes, or null for the duration.");
        Optional("bufferBeforeMinutes", BufferBeforeMinutes, 0, MaxBufferMinutes, "Between 0 and 1440 minutes, or null for none.");
        Optional("bufferAfterMinutes", BufferAfterMinutes, 0, MaxBufferMinutes, "Between 0 and 1440 minutes, or null for none.");
        Optional("minimumNoticeMinutes", MinimumNoticeMinutes, 0, MaxMinimumNoticeMinutes, "Between 0 and 525600 minutes (a year), or null for none.");
        Optional("maxDaysInFuture", MaxDaysInFuture, 0, MaxDaysInFutureLimit, "Between 0 (today only) and 3650 days, or null for no limit.");
        Optional("maxBookingsPerDay", MaxBookingsPerDay, 1, MaxBookingsLimit, "Between 1 and 10000, or null for no limit.");
        Optional("maxBookingsPerWeek", MaxBookingsPerWeek, 1, MaxBookingsLimit, "Between 1 and 10000, or null for no limit.");
        return errors;

        void Optional(string field, int? value, int min, int max, string message)
        {
            if (value is { } v)
            {
                Range(field, v, min, max, message);
            }
        }

        void Range(string field, int value, int min, int max, string message)
        {
            if (value < min || value > max)
            {
                errors.Add(new FieldError(field, message));
            }
        }
    }
}
