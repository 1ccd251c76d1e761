namespace Scheduler.Calendar;

public sealed class CalendarOptions
{
    /// <summary>
    /// How often a calendar with undelivered side effects is woken by its "outbox" reminder, which
    /// also brings it back after a silo crash. Orleans reminders tick at most once a minute by default.
    /// </summary>
    public TimeSpan OutboxRetryPeriod { get; set; } = TimeSpan.FromMinutes(1);
}
