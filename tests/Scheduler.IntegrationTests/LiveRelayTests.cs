using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
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

        /// <summary>Completes with the first BookingChanged this connection receives, and when it arrived.</summary>
        public TaskCompletionSource<(JsonElement Change, DateTimeOffset ArrivedAt)> FirstChange { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completes when the connection closes (the server ended it, or it failed), with the error if any.</summary>
        public TaskCompletionSource<Exception?> Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Listener(WebApplicationFactory<Program> frontEnd, string? token, HttpTransportType transport = HttpTransportType.WebSockets)
        {
            var server = frontEnd.Server;
            Connection = new HubConnectionBuilder()
                .WithUrl(new Uri(server.BaseAddress, "/hubs/notifications"), o =>
                {
                    // The hub speaks WebSockets only: negotiate through the test server's handler, then
                    // open the socket on the test server too, with the token as a browser sends it.
                    o.HttpMessageHandlerFactory = _ => server.CreateHandler();
                    o.Transports = transport;
                    o.WebSocketFactory = async (context, cancel) =>
                    {
                        var client = server.CreateWebSocketClient();
                        var uri = context.Uri;
                        if (token is not null) uri = new Uri(uri + (uri.Query.Length > 0 ? "&" : "?") + "access_token=" + Uri.EscapeDataString(token));
                        return await client.ConnectAsync(uri, cancel);
                    };
                    if (token is not null) o.AccessTokenProvider = () => Task.FromResult<string?>(token);
                })
                .Build();
            Connection.On<JsonElement>("BookingChanged", m =>
            {
                var arrivedAt = TimeProvider.System.GetUtcNow();
                BookingChanges.Enqueue(m);
                FirstChange.TrySetResult((m, arrivedAt));
            });
            Connection.On<JsonElement>("Notification", m => Notifications.Enqueue(m));
            Connection.Closed += e => { Closed.TrySetResult(e); return Task.CompletedTask; };
        }

        public ValueTask DisposeAsync() => Connection.DisposeAsync();
    }

    private static Guid BookingIdOf(JsonElement change) => change.GetProperty("booking").GetProperty("id").GetGuid();

    [Fact]
    public async Task An_organizer_on_one_front_end_hears_of_a_booking_made_through_another_and_nobody_else_does()
    {
        var frontEndA = _app.FrontEnd(0);
        var frontEndB = _app.FrontEnd(1);
        var viaA = frontEndA.CreateClient();
        var (organizer, eventTypeId) = await viaA.OrganizerWithEventType(_app);
        var (bystander, bystandersEventTypeId) = await viaA.OrganizerWithEventType(_app);

        await using var organizerOnB = new Listener(frontEndB, organizer.Token);
        await using var bystanderOnA = new Listener(frontEndA, bystander.Token);
        await organizerOnB.Connection.StartAsync();
        await bystanderOnA.Connection.StartAsync();
        // Both front ends subscribe to the relays when they start; give the second one its first round.
        await Eventually(async () => (await frontEndB.CreateClient().GetAsync("/healthz")).StatusCode == HttpStatusCode.OK);

        // The first booking may race the front ends' first subscription round: book until heard.
        JsonElement change = default;
        DateTimeOffset arrivedAt = default;
        var requestedAt = new Dictionary<Guid, DateTimeOffset>();
        var booked = new List<Guid>();
        await Eventually(async () =>
        {
            var sentAt = TimeProvider.System.GetUtcNow();
            var response = await viaA.Book(eventTypeId, At(FutureMonday, $"{9 + booked.Count}:00".PadLeft(5, '0')));
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            var id = (await response.Json())["id"]!.GetValue<Guid>();
            booked.Add(id);
            requestedAt[id] = sentAt;
            try
            {
                (change, arrivedAt) = await organizerOnB.FirstChange.Task.WaitAsync(TimeSpan.FromSeconds(3));
                return true;
            }
            catch (TimeoutException)
            {
                return false;
            }
        }, within: TimeSpan.FromSeconds(60), what: "the organizer's live BookingChanged");

        Assert.Equal("created", change.GetProperty("kind").GetString());
        Assert.Contains(BookingIdOf(change), booked);
        Assert.Equal("Confirmed", change.GetProperty("booking").GetProperty("status").GetString());
        Assert.False(change.GetProperty("booking").TryGetProperty("manageToken", out _));
        // Published after its booking was asked for and before it was heard: this push, not a replay or a guess.
        var publishedAt = change.GetProperty("publishedAt").GetDateTimeOffset();
        Assert.InRange(publishedAt, requestedAt[BookingIdOf(change)], arrivedAt);

        // A cancellation through A arrives too.
        var cancelled = booked[^1];
        await viaA.PostAsync($"/api/bookings/{cancelled}/cancel?token=x", null); // wrong token: nothing happens
        Assert.Equal(HttpStatusCode.OK, (await organizer.Client.PostAsync($"/api/bookings/{cancelled}/cancel", null)).StatusCode);
        await Eventually(() => Task.FromResult(organizerOnB.BookingChanges.Any(c => c.GetProperty("kind").GetString() == "cancelled")),
            what: "the live cancellation");
        await Eventually(() => Task.FromResult(organizerOnB.Notifications.Count >= 1), what: "a live notification");

        // The bystander heard none of it. "Nothing yet" would pass for a misrouted message that is merely
        // late, so a later change the bystander must hear (a booking on its own calendar) marks the end:
        // once that has arrived, everything that arrived is about it.
        var marker = (await (await viaA.Book(bystandersEventTypeId, At(FutureMonday, "09:00"))).Json())["id"]!.GetValue<Guid>();
        await Eventually(() => Task.FromResult(bystanderOnA.BookingChanges.Any(c => BookingIdOf(c) == marker)),
            within: TimeSpan.FromSeconds(60), what: "the bystander's own booking change");
        await Eventually(() => Task.FromResult(bystanderOnA.Notifications.Any(n => n.GetProperty("bookingId").GetGuid() == marker)),
            within: TimeSpan.FromSeconds(60), what: "the bystander's own notification");
        Assert.All(bystanderOnA.BookingChanges, c => Assert.Equal(marker, BookingIdOf(c)));
        Assert.All(bystanderOnA.Notifications, n => Assert.Equal(marker, n.GetProperty("bookingId").GetGuid()));
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

    [Fact]
    public async Task Long_polling_and_server_sent_events_are_refused()
    {
        // On those transports a connection's requests carry only its token, and each request's user
        // would become the connection's: WebSockets only.
        var (organizer, _) = await _app.FrontEnd(0).CreateClient().OrganizerWithEventType(_app);
        foreach (var transport in new[] { HttpTransportType.LongPolling, HttpTransportType.ServerSentEvents })
        {
            await using var listener = new Listener(_app.FrontEnd(0), organizer.Token, transport);
            await Assert.ThrowsAnyAsync<Exception>(() => listener.Connection.StartAsync());
            Assert.Equal(HubConnectionState.Disconnected, listener.Connection.State);
        }
    }

    [Fact]
    public async Task One_user_holds_at_most_twenty_connections_on_a_front_end()
    {
        var frontEnd = _app.FrontEnd(0);
        var (organizer, _) = await frontEnd.CreateClient().OrganizerWithEventType(_app);
        var (other, _) = await frontEnd.CreateClient().OrganizerWithEventType(_app);
        var open = new List<Listener>();
        try
        {
            for (var i = 0; i < 20; i++)
            {
                var listener = new Listener(frontEnd, organizer.Token);
                open.Add(listener);
                await listener.Connection.StartAsync();
            }
            // The 21st is closed by the server, saying why; another user is not affected.
            await using var extra = new Listener(frontEnd, organizer.Token);
            await StartOrFail(extra);
            var error = await extra.Closed.Task.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Contains("at most 20", error?.Message);
            await using var someoneElse = new Listener(frontEnd, other.Token);
            await someoneElse.Connection.StartAsync();
            Assert.Equal(HubConnectionState.Connected, someoneElse.Connection.State);
            Assert.All(open, l => Assert.Equal(HubConnectionState.Connected, l.Connection.State));

            // Closing one makes room for one: once the front end has let it go, a new one is registered
            // (a refused start never is).
            var registry = frontEnd.Services.GetRequiredService<Scheduler.Web.Live.HubConnections>();
            int Held() => registry.Open.Count(e => e.UserId == organizer.Id);
            await open[0].Connection.StopAsync();
            await Eventually(() => Task.FromResult(Held() == 19), what: "the closed connection released");
            await using var again = new Listener(frontEnd, organizer.Token);
            await again.Connection.StartAsync();
            await Eventually(() => Task.FromResult(registry.Open.Any(e => e.Context.ConnectionId == again.Connection.ConnectionId)),
                what: "the new connection accepted");
            Assert.Equal(20, Held());
        }
        finally
        {
            foreach (var listener in open) await listener.DisposeAsync();
        }

        // The server may close the connection during the handshake or right after it.
        static async Task StartOrFail(Listener listener)
        {
            try { await listener.Connection.StartAsync(); }
            catch (Exception e) { listener.Closed.TrySetResult(e); }
        }
    }

    [Fact]
    public async Task A_connection_whose_token_is_revoked_is_closed_and_hears_nothing_more()
    {
        var frontEnd = _app.FrontEnd(0);
        var anonymous = frontEnd.CreateClient();
        var (organizer, eventTypeId) = await anonymous.OrganizerWithEventType(_app);
        await using var listener = new Listener(frontEnd, organizer.Token);
        await listener.Connection.StartAsync();
        var hours = new Queue<int>(Enumerable.Range(9, 8));
        await Eventually(async () =>
        {
            var id = (await (await anonymous.Book(eventTypeId, At(FutureMonday, $"{hours.Dequeue():00}:00"))).Json())["id"]!.GetValue<Guid>();
            return await WaitUntil(() => listener.BookingChanges.Any(c => BookingIdOf(c) == id));
        }, within: TimeSpan.FromSeconds(60), what: "a booking heard live before the revocation");

        // Signing out everywhere ends the token for the API at once and for the open socket within a round of checks.
        Assert.Equal(HttpStatusCode.NoContent, (await organizer.Client.PostAsJsonAsync("/api/auth/revoke", new { everywhere = true })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await organizer.Client.GetAsync("/api/me")).StatusCode);
        await listener.Closed.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(HubConnectionState.Disconnected, listener.Connection.State);
        var heard = listener.BookingChanges.Count;
        var after = (await (await anonymous.Book(eventTypeId, At(FutureMonday, $"{hours.Dequeue():00}:00"))).Json())["id"]!.GetValue<Guid>();
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.DoesNotContain(listener.BookingChanges, c => BookingIdOf(c) == after);
        Assert.Equal(heard, listener.BookingChanges.Count);
    }

    [Fact]
    public async Task A_revocation_closes_the_users_connections_at_once_not_at_the_next_round_of_checks()
    {
        // Rounds of checks ten minutes apart: only the user grain's report can close anything here.
        _app.WebSettings["SCHEDULER_HUB_TOKEN_CHECK"] = "00:10:00";
        var frontEnd = _app.FrontEnd(0);
        var anonymous = frontEnd.CreateClient();
        var (organizer, eventTypeId) = await anonymous.OrganizerWithEventType(_app);
        var secondToken = await anonymous.TokenFor(organizer.Email, "correct horse");
        await using var first = new Listener(frontEnd, organizer.Token);
        await using var second = new Listener(frontEnd, secondToken);
        await first.Connection.StartAsync();
        await second.Connection.StartAsync();
        var hours = new Queue<int>(Enumerable.Range(9, 8));
        await Eventually(async () =>
        {
            var id = (await (await anonymous.Book(eventTypeId, At(FutureMonday, $"{hours.Dequeue():00}:00"))).Json())["id"]!.GetValue<Guid>();
            return await WaitUntil(() => first.BookingChanges.Any(c => BookingIdOf(c) == id) && second.BookingChanges.Any(c => BookingIdOf(c) == id));
        }, within: TimeSpan.FromSeconds(60), what: "a booking heard live on both connections");

        // Revoking one token closes its connection, and only that one.
        using (var revoke = new HttpRequestMessage(HttpMethod.Post, "/api/auth/revoke") { Content = JsonContent.Create(new { }) })
        {
            revoke.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secondToken);
            Assert.Equal(HttpStatusCode.NoContent, (await anonymous.SendAsync(revoke)).StatusCode);
        }
        await second.Closed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HubConnectionState.Connected, first.Connection.State);

        // A new password closes every connection of the user.
        Assert.Equal(HttpStatusCode.OK, (await organizer.Client.PatchAsJsonAsync("/api/me", new { currentPassword = "correct horse", password = "a newer horse" })).StatusCode);
        await first.Closed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HubConnectionState.Disconnected, first.Connection.State);
    }

    [Fact]
    public async Task An_account_that_has_not_verified_its_address_hears_only_of_its_own_calendar()
    {
        var frontEnd = _app.FrontEnd(0);
        var anonymous = frontEnd.CreateClient();
        var (_, eventTypeId) = await anonymous.OrganizerWithEventType(_app);
        var email = $"victim-{Guid.NewGuid():N}@example.com";
        Assert.Equal(HttpStatusCode.Created, (await anonymous.Book(eventTypeId, At(FutureMonday, "09:00"), email)).StatusCode);

        // Someone signs up with the booker's address (and never follows the link); they organize too.
        var squatter = await anonymous.SignUpAndSignIn(_app, email: email, verify: false);
        Assert.Equal(HttpStatusCode.OK, (await squatter.Client.PutAsJsonAsync("/api/availability",
            new[] { new { dayOfWeek = "Monday", startTime = "09:00", endTime = "17:00" } })).StatusCode);
        var own = await squatter.Client.PostAsJsonAsync("/api/event-types", new { title = "Own", durationMinutes = 30 });
        var ownEventTypeId = (await own.Json())["id"]!.GetValue<Guid>();

        await using var listener = new Listener(frontEnd, squatter.Token);
        await listener.Connection.StartAsync();
        var markers = new List<Guid>();
        var slots = new Queue<string>(Enumerable.Range(0, 16).Select(i => $"{9 + i / 2:00}:{(i % 2) * 30:00}"));
        async Task HearOwnBooking(string what) => await Eventually(async () =>
        {
            var before = markers.Count;
            markers.Add((await (await anonymous.Book(ownEventTypeId, At(FutureMonday, slots.Dequeue()))).Json())["id"]!.GetValue<Guid>());
            return await WaitUntil(() => listener.BookingChanges.Any(c => BookingIdOf(c) == markers[^1]));
        }, within: TimeSpan.FromSeconds(60), what: what);

        // Their own calendar's bookings reach them live (this also proves the subscription is up) ...
        await HearOwnBooking("the squatter's own booking, live");
        // ... bookings made with the address they have not proved do not ...
        var secret = new List<Guid>();
        foreach (var time in new[] { "10:00", "11:00" })
            secret.Add((await (await anonymous.Book(eventTypeId, At(FutureMonday, time), email)).Json())["id"]!.GetValue<Guid>());
        // ... which a later booking of their own, heard, closes: everything heard is about their own.
        await HearOwnBooking("a later booking of the squatter's own, live");
        Assert.All(listener.BookingChanges, c => Assert.Contains(BookingIdOf(c), markers));
        Assert.All(listener.Notifications, n => Assert.Contains(n.GetProperty("bookingId").GetGuid(), markers));
        Assert.DoesNotContain(listener.BookingChanges, c => secret.Contains(BookingIdOf(c)));
    }

    /// <summary>True once <paramref name="condition"/> holds, false after three seconds.</summary>
    private static async Task<bool> WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 30; i++)
        {
            if (condition()) return true;
            await Task.Delay(100);
        }
        return condition();
    }
}
