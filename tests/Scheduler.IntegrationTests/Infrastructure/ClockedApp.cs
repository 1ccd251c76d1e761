using Microsoft.Extensions.Time.Testing;

namespace Scheduler.IntegrationTests.Infrastructure;

/// <summary>
/// A system of its own per test whose silos run on a controlled clock, starting at 06:00 UTC (07:00
/// in Berlin) on <see cref="Api.FutureMonday"/>: the day's bookings are all still ahead, and moving
/// the clock makes them start, come due for reminders and end without waiting. The front end keeps
/// the real clock (access tokens stay valid however far the silos' clock moves).
/// </summary>
public abstract class ClockedApp(string name) : IAsyncLifetime
{
    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(Api.FutureMonday.ToDateTime(new TimeOnly(6, 0)), TimeSpan.Zero));

    protected SchedulerApp App { get; private set; } = null!;

    public async Task InitializeAsync() => App = await SchedulerApp.StartAsync(name, time: Time);

    public async Task DisposeAsync() => await App.DisposeAsync();
}
