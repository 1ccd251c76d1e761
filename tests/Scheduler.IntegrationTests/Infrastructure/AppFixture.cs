namespace Scheduler.IntegrationTests.Infrastructure;

/// <summary>One system (database, silo, front end) shared by the tests of a class.</summary>
public sealed class AppFixture : IAsyncLifetime
{
    public SchedulerApp App { get; private set; } = null!;
    public HttpClient Anonymous { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = await SchedulerApp.StartAsync("api");
        Anonymous = App.CreateClient();
    }

    public async Task DisposeAsync() => await App.DisposeAsync();
}
