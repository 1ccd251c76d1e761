using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Npgsql;
using Scheduler.TestSupport;
using Xunit.Abstractions;
using static Scheduler.TestSupport.Requests;

namespace Scheduler.SmokeTests;

/// <summary>
/// The whole system as an operator starts it: ./run.sh with two silos and two front ends as separate
/// processes on a fresh database, driven only through HTTP and SignalR.
/// </summary>
public sealed class RunShSmokeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int MembershipActive = 3;

    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(240);
    private static readonly TimeSpan StopLimit = TimeSpan.FromSeconds(30);

    private readonly string _clusterId = $"smoke-{Guid.NewGuid():N}"[..20];
    private readonly FreshDatabase _database = FreshDatabase.Named("smoke");
    private readonly List<HttpClient> _clients = [];
    private RunSh? _runSh;

    [Fact]
    public async Task Two_silos_and_two_front_ends_started_by_run_sh_share_one_calendar()
    {
        var (siloPort, gatewayPort, webPort) = FreePorts.Pairs();
        _runSh = RunSh.Start(new Dictionary<string, string>
        {
            // Scheduler creates the database at start-up.
            ["SCHEDULER_DB"] = _database.ConnectionString,
            ["SCHEDULER_CLUSTER_ID"] = _clusterId,
            ["SCHEDULER_SILOS"] = "2",
            ["SCHEDULER_WEBS"] = "2",
            ["SCHEDULER_SKIP_BUILD"] = "1",
            ["SCHEDULER_SILO_PORT"] = siloPort.ToString(),
            ["SCHEDULER_GATEWAY_PORT"] = gatewayPort.ToString(),
            ["SCHEDULER_URLS"] = $"http://127.0.0.1:{webPort}",
        });
        await _runSh.WaitUntilUp(StartLimit);

        var first = Client(webPort);
        var second = Client(webPort + 1);
        Assert.Equal(2, await ActiveSilos());

        var (organizerToken, eventTypeId) = await OrganizerWithEventType(first);
        var (otherOrganizerToken, otherEventTypeId) = await OrganizerWithEventType(first);

        // Live: the organizer listens on the second front end, another organizer on the first.
        var organizerChanges = new ConcurrentQueue<JsonElement>();
        var otherChanges = new ConcurrentQueue<JsonElement>();
        var bothHeard = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var organizerLive = await Listen(webPort + 1, organizerToken, organizerChanges,
            onChange: () => { if (organizerChanges.Count >= 2) bothHeard.TrySetResult(); });
        await using var otherLive = await Listen(webPort, otherOrganizerToken, otherChanges);

        var bookedThroughFirst = await Book(first, eventTypeId, $"{TestDates.FutureMonday:yyyy-MM-dd}T09:00:00+01:00");
        var bookedThroughSecond = await Book(second, eventTypeId, $"{TestDates.FutureMonday:yyyy-MM-dd}T10:00:00+01:00");

        foreach (var frontEnd in new[] { first, second })
        {
            var listed = await ListBookings(frontEnd, organizerToken);
            Assert.Contains(bookedThroughFirst.Id, listed);
            Assert.Contains(bookedThroughSecond.Id, listed);
        }
        // As a user runs it (no development settings): a value that cannot be bound is a validation
        // problem that says which one, not a bare 400.
        var unbindable = await first.SendAsync(Authorized(HttpMethod.Get, "/api/bookings?limit=abc", organizerToken));
        await AssertStatus(HttpStatusCode.BadRequest, unbindable);
        var problem = await Json(unbindable);
        Assert.Equal("/problems/validation", problem["type"]!.GetValue<string>());
        Assert.Contains("limit", problem["detail"]?.GetValue<string>() ?? "");
        // Both bookings reach the organizer's connection on the other process, whichever silo decided them.
        await bothHeard.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var heard = organizerChanges.Select(BookingId).ToList();
        Assert.Contains(bookedThroughFirst.Id, heard);
        Assert.Contains(bookedThroughSecond.Id, heard);
        Assert.All(organizerChanges, c => Assert.Equal("created", c.GetProperty("kind").GetString()));
        // The other organizer heard none of it. An empty list read right now would also pass for a
        // misrouted change that is merely late, so a later change it must hear (a booking on its own
        // calendar, through the other front end) marks the end: once that arrived, it is all there is.
        var marker = await Book(second, otherEventTypeId, $"{TestDates.FutureMonday:yyyy-MM-dd}T09:00:00+01:00");
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!otherChanges.Any(c => BookingId(c) == marker.Id))
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(60), "the other organizer never heard of its own booking");
            await Task.Delay(100);
        }
        Assert.All(otherChanges, c => Assert.Equal(marker.Id, BookingId(c)));

        // An operator on this machine reads a front end's metrics (loopback needs no token).
        var metrics = await first.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Contains("http_server_request_duration_seconds", await metrics.Content.ReadAsStringAsync());

        // A manage token works on a front end other than the one that issued it.
        await AssertReadableWithManageToken(second, bookedThroughFirst);
        await AssertReadableWithManageToken(first, bookedThroughSecond);

        // run.sh and its five processes (two silos, two front ends, the mail sink) carry the cluster id,
        // so finding none later means something.
        Assert.Equal(6, _runSh.RemainingProcesses().Count);
        Assert.True(await _runSh.Terminate(StopLimit), $"run.sh still running {StopLimit.TotalSeconds:0} s after SIGTERM:\n{_runSh.Output}");
        Assert.Equal(143, _runSh.ExitCode); // 128 + SIGTERM: stopped on request, not by a failure
        Assert.Empty(_runSh.RemainingProcesses());
        int[] ports = [siloPort, siloPort + 1, gatewayPort, gatewayPort + 1, webPort, webPort + 1];
        Assert.DoesNotContain(ports, RunSh.Answers);
    }

    private sealed record Booking(Guid Id, string ManageToken);

    private static Guid BookingId(JsonElement change) => change.GetProperty("booking").GetProperty("id").GetGuid();

    /// <summary>A SignalR connection over WebSockets to a front end process, collecting BookingChanged.</summary>
    private static async Task<HubConnection> Listen(int port, string token, ConcurrentQueue<JsonElement> into, Action? onChange = null)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl($"http://127.0.0.1:{port}/hubs/notifications", o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.AccessTokenProvider = () => Task.FromResult<string?>(token);
            })
            .Build();
        connection.On<JsonElement>("BookingChanged", change =>
        {
            into.Enqueue(change);
            onChange?.Invoke();
        });
        await connection.StartAsync();
        return connection;
    }

    private static async Task<(string Token, Guid EventTypeId)> OrganizerWithEventType(HttpClient frontEnd)
    {
        var email = $"organizer-{Guid.NewGuid():N}@example.com";
        const string password = "correct horse";
        var signUp = await frontEnd.PostAsJsonAsync("/api/users",
            new { name = "Olga Organizer", email, password, timeZone = "Europe/Berlin" });
        await AssertStatus(HttpStatusCode.Created, signUp);

        var tokenResponse = await frontEnd.PostAsJsonAsync("/api/auth/token", new { email, password });
        await AssertStatus(HttpStatusCode.OK, tokenResponse);
        var token = (await Json(tokenResponse))["accessToken"]!.GetValue<string>();

        var weekdays = new[] { "Monday", "Tuesday", "Wednesday", "Thursday", "Friday" }
            .Select(day => new { dayOfWeek = day, startTime = "09:00", endTime = "17:00" });
        await AssertStatus(HttpStatusCode.OK, await frontEnd.SendAsync(Authorized(HttpMethod.Put, "/api/availability", token, weekdays)));

        var eventType = await frontEnd.SendAsync(Authorized(HttpMethod.Post, "/api/event-types", token,
            new { title = "Intro call", description = "Thirty minutes to get to know each other", durationMinutes = 30, location = "Video" }));
        await AssertStatus(HttpStatusCode.Created, eventType);
        return (token, (await Json(eventType))["id"]!.GetValue<Guid>());
    }

    private static async Task<Booking> Book(HttpClient frontEnd, Guid eventTypeId, string start)
    {
        var response = await frontEnd.PostAsJsonAsync("/api/bookings",
            new { eventTypeId, start, name = "Bob Booker", email = $"booker-{Guid.NewGuid():N}@example.com" });
        await AssertStatus(HttpStatusCode.Created, response);
        var booking = await Json(response);
        return new Booking(booking["id"]!.GetValue<Guid>(), booking["manageToken"]!.GetValue<string>());
    }

    private static async Task<List<Guid>> ListBookings(HttpClient frontEnd, string token)
    {
        var response = await frontEnd.SendAsync(Authorized(HttpMethod.Get, "/api/bookings", token));
        await AssertStatus(HttpStatusCode.OK, response);
        return (await Json(response)).AsArray().Select(b => b!["id"]!.GetValue<Guid>()).ToList();
    }

    private static async Task AssertReadableWithManageToken(HttpClient frontEnd, Booking booking)
    {
        var response = await frontEnd.GetAsync($"/api/bookings/{booking.Id}?token={Uri.EscapeDataString(booking.ManageToken)}");
        await AssertStatus(HttpStatusCode.OK, response);
        Assert.Equal(booking.Id, (await Json(response))["id"]!.GetValue<Guid>());
    }

    /// <summary>
    /// Silos of our cluster that membership lists as Active. A silo opens its gateway a moment before
    /// its row says Active, so this waits (boundedly) for both.
    /// </summary>
    private async Task<long> ActiveSilos()
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand(
            "select count(*) from orleans_membership where deployment_id = @cluster and status = @active", connection);
        query.Parameters.AddWithValue("cluster", _clusterId);
        query.Parameters.AddWithValue("active", MembershipActive);
        long active = 0;
        for (var attempt = 0; attempt < 60; attempt++)
        {
            active = (long)(await query.ExecuteScalarAsync())!;
            if (active >= 2) break;
            await Task.Delay(TimeSpan.FromSeconds(0.5));
        }
        return active;
    }

    private HttpClient Client(int port)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
        _clients.Add(client);
        return client;
    }


    private static async Task AssertStatus(HttpStatusCode expected, HttpResponseMessage response)
    {
        if (response.StatusCode == expected) return;
        var body = await response.Content.ReadAsStringAsync();
        Assert.Fail($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: expected {(int)expected}, got {(int)response.StatusCode}: {body}");
    }

    private static async Task<JsonNode> Json(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync()) ?? throw new InvalidOperationException("empty body");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var client in _clients) client.Dispose();
        if (_runSh is not null)
        {
            output.WriteLine(_runSh.Output);
            await _runSh.DisposeAsync();
        }
        await _database.DisposeAsync();
    }
}
