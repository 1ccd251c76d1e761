using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Scheduler.LoadTest.Tests;

/// <summary>Bugs the fake server can be told to have.</summary>
[Flags]
public enum Faults
{
    None = 0,
    /// <summary>Never checks for overlaps: every booker of a slot gets a 201.</summary>
    DoubleBooks = 1,
    /// <summary>Answers every fifth booking 201 but never stores it.</summary>
    LosesBookings = 2,
    /// <summary>Stores a booking, answers 503, and on the retry with the same key books it again.</summary>
    DuplicatesRetries = 4,
    /// <summary>Forgets the booker's notification.</summary>
    SkipsBookerNotifications = 8,
}

/// <summary>
/// A deliberately breakable stand-in for the product's HTTP contract — just the calls the load tester
/// makes — so the tests can prove the audit catches what a broken server does. Never the product.
/// </summary>
public sealed class FakeScheduler : IAsyncDisposable
{
    private sealed record User(Guid Id, string Email, string? Password);

    /// <summary>Where the fake "mails" its verification links (the load tester reads it through SCHEDULER_MAIL_LOG).</summary>
    public string MailLog { get; } = Path.Combine(Path.GetTempPath(), $"fake-scheduler-mail-{Guid.NewGuid():N}.log");

    private sealed record Booking(Guid Id, Guid OrganizerId, Guid UserId, string Email, DateTimeOffset Start, DateTimeOffset End);

    private sealed record Note(Guid Id, Guid UserId, Guid BookingId);

    private readonly WebApplication _app;
    private readonly Faults _faults;
    private readonly object _gate = new();
    private readonly Dictionary<string, User> _users = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<Guid, (Guid Organizer, int Minutes)> _eventTypes = [];
    private readonly List<Booking> _bookings = [];
    private readonly List<Note> _notes = [];
    private readonly Dictionary<string, object> _answered = [];
    private readonly ConcurrentDictionary<string, bool> _failedOnce = new();
    private int _bookingCount;

    private FakeScheduler(WebApplication app, Faults faults)
    {
        _app = app;
        _faults = faults;
    }

    public Uri Url => new(_app.Urls.First());

    public static async Task<FakeScheduler> Start(Faults faults)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeScheduler(app, faults);
        fake.Map();
        await app.StartAsync();
        return fake;
    }

    private Guid? Caller(HttpContext http) =>
        http.Request.Headers.Authorization.ToString() is { Length: > 0 } auth && Guid.TryParse(auth.Replace("Bearer fake-", ""), out var id) ? id : null;

    private static async Task<JsonElement> Body(HttpContext http) => (await JsonDocument.ParseAsync(http.Request.Body)).RootElement;

    private static object Dto(Booking b) => new { id = b.Id, organizerId = b.OrganizerId, userId = b.UserId, email = b.Email, start = b.Start, end = b.End, status = "Confirmed" };

    private static IResult Problem(int status, string token) =>
        Results.Json(new { type = "/problems/" + token, status }, statusCode: status, contentType: "application/problem+json");

    private void Map()
    {
        _app.MapPost("/api/users", async (HttpContext http) =>
        {
            var body = await Body(http);
            var email = body.GetProperty("email").GetString()!;
            lock (_gate)
            {
                if (_users.TryGetValue(email, out var known) && known.Password is not null) return Problem(409, "email-taken");
                var user = new User(known?.Id ?? Guid.NewGuid(), email, body.GetProperty("password").GetString());
                _users[email] = user;
                // Like the product's mail sink: a verification link per sign-up, in aiosmtpd's format.
                File.AppendAllText(MailLog, $"---------- MESSAGE FOLLOWS ----------\nTo: {email}\n\nhttp://fake/verify-email#token=fake-{user.Id:N}\n");
                return Results.Json(new { id = user.Id, email }, statusCode: 201);
            }
        });
        _app.MapPost("/api/auth/verify-email", () => Results.Json(new { verified = true }));
        _app.MapPost("/api/auth/token", async (HttpContext http) =>
        {
            var body = await Body(http);
            lock (_gate)
            {
                return _users.TryGetValue(body.GetProperty("email").GetString()!, out var user) && user.Password == body.GetProperty("password").GetString()
                    ? Results.Json(new { accessToken = $"fake-{user.Id}", tokenType = "Bearer", expiresIn = 3600 })
                    : Problem(401, "invalid-credentials");
            }
        });
        _app.MapPut("/api/availability", () => Results.Json(Array.Empty<object>()));
        _app.MapPost("/api/event-types", async (HttpContext http) =>
        {
            var body = await Body(http);
            var id = Guid.NewGuid();
            lock (_gate) _eventTypes[id] = (Caller(http)!.Value, body.GetProperty("durationMinutes").GetInt32());
            return Results.Json(new { id }, statusCode: 201);
        });
        _app.MapPost("/api/bookings", async (HttpContext http) =>
        {
            var body = await Body(http);
            var key = http.Request.Headers["Idempotency-Key"].ToString();
            var email = body.GetProperty("email").GetString()!;
            var start = body.GetProperty("start").GetDateTimeOffset();
            lock (_gate)
            {
                var retried = _failedOnce.ContainsKey(key);
                if (!retried && _answered.TryGetValue(key, out var replay)) return Results.Json(replay, statusCode: 201);
                var (organizer, minutes) = _eventTypes[body.GetProperty("eventTypeId").GetGuid()];
                var end = start.AddMinutes(minutes);
                var checkOverlaps = !_faults.HasFlag(Faults.DoubleBooks) && !retried;
                if (checkOverlaps && _bookings.Any(b => b.OrganizerId == organizer && b.Start < end && start < b.End))
                    return Problem(409, "slot-unavailable");
                if (!_users.TryGetValue(email, out var booker)) _users[email] = booker = new User(Guid.NewGuid(), email, null);
                var booking = new Booking(Guid.NewGuid(), organizer, booker.Id, email, start, end);
                var lose = _faults.HasFlag(Faults.LosesBookings) && ++_bookingCount % 5 == 0;
                if (!lose)
                {
                    _bookings.Add(booking);
                    _notes.Add(new Note(Guid.NewGuid(), organizer, booking.Id));
                    if (!_faults.HasFlag(Faults.SkipsBookerNotifications)) _notes.Add(new Note(Guid.NewGuid(), booker.Id, booking.Id));
                }
                if (_faults.HasFlag(Faults.DuplicatesRetries) && _failedOnce.TryAdd(key, true))
                {
                    http.Response.Headers.RetryAfter = "0";
                    return Problem(503, "retry");
                }
                var dto = Dto(booking);
                _answered[key] = dto;
                return Results.Json(dto, statusCode: 201);
            }
        });
        _app.MapGet("/api/bookings", (HttpContext http, DateOnly from, DateOnly to) =>
        {
            var organizer = Caller(http);
            lock (_gate)
            {
                return Results.Json(_bookings
                    .Where(b => b.OrganizerId == organizer && DateOnly.FromDateTime(b.Start.UtcDateTime) >= from && DateOnly.FromDateTime(b.Start.UtcDateTime) <= to)
                    .OrderBy(b => b.Start).Select(Dto).ToList());
            }
        });
        _app.MapGet("/api/notifications", (HttpContext http) =>
        {
            var user = Caller(http);
            lock (_gate) return Results.Json(_notes.Where(n => n.UserId == user).Select(n => new { id = n.Id, bookingId = n.BookingId, kind = "created" }).ToList());
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
