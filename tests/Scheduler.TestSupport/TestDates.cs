namespace Scheduler.TestSupport;

/// <summary>Dates the tests book on through the real clock: always ahead, whatever year the suite runs in.</summary>
public static class TestDates
{
    /// <summary>
    /// The first Monday of March five years from now (2031-03-03 when run in 2026): far enough ahead
    /// that its slots are never in the past, and weeks before Europe's change to summer time, so Berlin
    /// is at +01:00 on it and the fortnight after it.
    /// </summary>
    public static DateOnly FutureMonday { get; } = FirstMondayOfMarch(TimeProvider.System.GetUtcNow().Year + 5);

    private static DateOnly FirstMondayOfMarch(int year)
    {
        var date = new DateOnly(year, 3, 1);
        while (date.DayOfWeek != DayOfWeek.Monday) date = date.AddDays(1);
        return date;
    }
}
