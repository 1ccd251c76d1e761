namespace Scheduler;

/// <summary>
/// The grains' clock is a keyed <see cref="TimeProvider"/>, separate from the one Orleans' runtime
/// uses for messaging and activation management, so tests can move booking time (and, with
/// Orleans' own <c>ReminderTimeProviderNames.Reminders</c> key, reminder time) without moving the runtime's.
/// </summary>
public static class SchedulerClock
{
    public const string Key = "Scheduler";
}
