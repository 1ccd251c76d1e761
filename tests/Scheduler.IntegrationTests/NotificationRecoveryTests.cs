using Scheduler.IntegrationTests.Infrastructure;
using static Scheduler.IntegrationTests.Infrastructure.Api;

namespace Scheduler.IntegrationTests;

/// <summary>Notifications are written with the decision: a crash before delivery delays them, never loses or doubles them.</summary>
public sealed class NotificationRecoveryTests : IAsyncLifetime
{
    private SchedulerApp _app = null!;

    public async Task InitializeAsync() => _app = await SchedulerApp.StartAsync("recovery");

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<long> OutboxRemindersLeft()
    {
        await using var connection = new Npgsql.NpgsqlConnection(_app.ConnectionString);
        await connection.OpenAsync();
        await using var query = new Npgsql.NpgsqlCommand("select count(*) from orleans_reminders where reminder_name = 'outbox'", connection);
        return (long)(await query.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task A_silo_crash_between_decision_and_delivery_loses_no_notification_and_duplicates_none()
    {
        var anonymous = _app.CreateClient();
        var (organizer, eventTypeId) = await anonymous.OrganizerWithEventType(_app);
        var booker = await anonymous.SignUpAndSignIn(_app);

        // Inbox writes land in storage but report failure: the calendar must keep redelivering,
        // and the inbox must recognise what it already has.
        _app.Faults.FailNextWrites("inbox", int.MaxValue, FaultMode.FailAfterWrite);
        foreach (var time in new[] { "09:00", "10:00", "11:00" })
            Assert.Equal(System.Net.HttpStatusCode.Created, (await booker.Client.Book(eventTypeId, At(FutureMonday, time))).StatusCode);

        await _app.RestartAsync(crash: true, whileDown: _app.Faults.Clear);

        // Nobody calls the calendar after the restart: its outbox reminder brings it back.
        var organizerClient = _app.CreateClient();
        organizerClient.DefaultRequestHeaders.Authorization = new("Bearer", organizer.Token);
        var bookerClient = _app.CreateClient();
        bookerClient.DefaultRequestHeaders.Authorization = new("Bearer", booker.Token);
        await Eventually(async () => (await organizerClient.Notifications()).Count >= 3 && (await bookerClient.Notifications()).Count >= 3,
            within: TimeSpan.FromSeconds(60), what: "every notification after the crash");

        // The calendar unregisters its outbox reminder once nothing is left to deliver: after that no
        // redelivery can come, so what the inboxes hold now is final.
        await Eventually(async () => await OutboxRemindersLeft() == 0, within: TimeSpan.FromSeconds(60), what: "the outbox to drain");
        var organizerInbox = await organizerClient.Notifications();
        var bookerInbox = await bookerClient.Notifications();
        Assert.Equal(3, organizerInbox.Count);
        Assert.Equal(3, bookerInbox.Count);
        Assert.Equal(3, organizerInbox.Select(n => n!["id"]!.GetValue<Guid>()).Distinct().Count());
        Assert.All(organizerInbox, n => Assert.Equal("created", n!["kind"]!.GetValue<string>()));
        Assert.Equal(3, organizerInbox.Select(n => n!["bookingId"]!.GetValue<Guid>()).Distinct().Count());
    }
}
