namespace Scheduler.Calendar;

public sealed class CalendarOptions
{
    /// <summary>
    /// How often a calendar with overdue work is woken by its reminders: undelivered side effects
    /// (the "outbox" reminder, which also brings it back after a silo crash) and a booking
    /// reminder whose due time passed while no silo was up. Orleans reminders tick at most once a
    /// minute by default.
    /// </summary>
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromMinutes(1);
}
