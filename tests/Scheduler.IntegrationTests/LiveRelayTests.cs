using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Scheduler.IntegrationTests.Infrastructure;
using static Scheduler.IntegrationTests.Infrastructure.Api;

namespace Scheduler.IntegrationTests;

/// <summary>Booking changes reach the right people live, whichever silo and front end are involved.</summary>
public sealed class LiveRelayTests : IAsyncLifetime
{
    private SchedulerApp _app = null!;

    public async Task InitializeAsync() => _app = await SchedulerApp.StartAsync("live", silos: 2);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private sealed class Listener : IAsyncDisposable
    {
        public HubConnection Connection { get; }
        public ConcurrentQueue<JsonElement> BookingChanges { get; } = new();
        public ConcurrentQueue<JsonElement> Notifications { get; } = new();

        /// <summary>Completes with the first BookingChanged this connection receives.</summary>
        public TaskCompletionSource<JsonElement> FirstChange { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Listener(WebApplicationFactory<Program> frontEnd, string? token)
        {
            var server = frontEnd.Server;
            Connection = new HubConnectionBuilder()
                .WithUrl(new Uri(server.BaseAddress, "/hubs/notifications"), o =>
                {
                    o.HttpMessageHandlerFactory = _ => server.CreateHandler();
                    o.Transports = HttpTransportType.LongPolling;
                    if (token is not null) o.AccessTokenProvider = () => Task.FromResult<string?>(token);
                })
                .Build();
            Connection.On<JsonElement>("BookingChanged", m =>
            {
                BookingChanges.Enqueue(m);
                FirstChange.TrySetResult(m);
            });
            Connection.On<JsonElement>("Notification", m => Notifications.Enqueue(m));
        }

        public ValueTask DisposeAsync() => Connection.DisposeAsync();
    }

    [Fact]
    public async Task An_organizer_on_one_front_end_hears_of_a_booking_made_through_another_and_nobody_else_does()
    {
        var frontEndA = _app.FrontEnd(0);
        var frontEndB = _app.FrontEnd(1);
        var viaA = frontEndA.CreateClient();
        var (organizer, eventTypeId) = await viaA.OrganizerWithEventType(_app);
        var bystander = await viaA.SignUpAndSignIn(_app);

        await using var organizerOnB = new Listener(frontEndB, organizer.Token);
        await using var bystanderOnA = new Listener(frontEndA, bystander.Token);
        await organizerOnB.Connection.StartAsync();
        await bystanderOnA.Connection.StartAsync();
        // Both front ends subscribe to the relays when they start; give the second one its first round.
        await Eventually(async () => (await frontEndB.CreateClient().GetAsync("/healthz")).StatusCode == HttpStatusCode.OK);

        // The first booking may race the front ends' first subscription round: book until heard.
        JsonElement change = default;
        var booked = new List<Guid>();
        await Eventually(async () =>
        {
            var response = await viaA.Book(eventTypeId, At(FutureMonday, $"{9 + booked.Count}:00".PadLeft(5, '0')));
            booked.Add((await response.Json())["id"]!.GetValue<Guid>());
            try
            {
                change = await organizerOnB.FirstChange.Task.WaitAsync(TimeSpan.FromSeconds(3));
                return true;
            }
            catch (TimeoutException)
            {
                return false;
            }
        }, within: TimeSpan.FromSeconds(60), what: "the organizer's live BookingChanged");

        Assert.Equal("created", change.GetProperty("kind").GetString());
        Assert.Contains(change.GetProperty("booking").GetProperty("id").GetGuid(), booked);
        Assert.Equal("Confirmed", change.GetProperty("booking").GetProperty("status").GetString());
        Assert.False(change.GetProperty("booking").TryGetProperty("manageToken", out _));
        Assert.True(change.GetProperty("publishedAt").GetDateTimeOffset() > TimeProvider.System.GetUtcNow().AddMinutes(-5));

        // A cancellation through A arrives too, and the bystander heard nothing at all.
        var cancelled = booked[^1];
        await viaA.PostAsync($"/api/bookings/{cancelled}/cancel?token=x", null); // wrong token: nothing happens
        await organizer.Client.PostAsync($"/api/bookings/{cancelled}/cancel", null);
        await Eventually(() => Task.FromResult(organizerOnB.BookingChanges.Any(c => c.GetProperty("kind").GetString() == "cancelled")),
            what: "the live cancellation");
        await Eventually(() => Task.FromResult(organizerOnB.Notifications.Count >= 1), what: "a live notification");
        Assert.Empty(bystanderOnA.BookingChanges);
        Assert.Empty(bystanderOnA.Notifications);
    }

    [Fact]
    public async Task A_client_offline_during_a_change_finds_its_notification_when_back()
    {
        var frontEnd = _app.FrontEnd(0);
        var client = frontEnd.CreateClient();
        var (organizer, eventTypeId) = await client.OrganizerWithEventType(_app);
        var booking = await (await client.Book(eventTypeId, At(FutureMonday, "14:00"))).Json();

        // Nobody of the organizer's was connected; on coming back the dashboard reads the inbox.
        await Eventually(async () => (await organizer.Client.Notifications()).Count == 1, what: "the stored notification");
        var notification = (await organizer.Client.Notifications())[0]!;
        Assert.Equal(booking["id"]!.GetValue<Guid>(), notification["bookingId"]!.GetValue<Guid>());
        Assert.Equal(1, (await (await organizer.Client.GetAsync("/api/notifications/unread-count")).Json())["count"]!.GetValue<int>());

        // And once connected, the next change arrives live.
        await using var back = new Listener(frontEnd, organizer.Token);
        await back.Connection.StartAsync();
        await organizer.Client.PostAsync($"/api/bookings/{booking["id"]}/cancel", null);
        await Eventually(() => Task.FromResult(back.BookingChanges.Any(c => c.GetProperty("kind").GetString() == "cancelled")),
            within: TimeSpan.FromSeconds(60), what: "the live cancellation after reconnecting");
    }

    [Fact]
    public async Task Anonymous_hub_connections_are_refused()
    {
        await using var anonymous = new Listener(_app.FrontEnd(0), token: null);
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => anonymous.Connection.StartAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
    }
}
