using System.Net.Http.Json;
using System.Text.Json;

namespace Scheduler.LoadTest.Targets;

/// <summary>The product's public API (README, "The API at a glance").</summary>
public sealed class ProductTarget(HttpClient http) : ITarget
{
    /// <summary>How many bookers the audit signs up (and verifies through the mailed link) to read their notifications.</summary>
    public const int BookerSample = 5;

    /// <summary>The product keeps an organizer's newest 2000 notifications (README, "What was chosen").</summary>
    private readonly Dictionary<string, string> _bookerTokens = new(StringComparer.OrdinalIgnoreCase);

    public string SqlSchema => "public";

    public string? HubPath => "/hubs/notifications";

    public async Task<Calendar> CreateCalendar(string runId, int index, CalendarShape shape, CancellationToken ct)
    {
        var email = $"organizer-{runId}-{index}@loadtest.example";
        var password = "Load-" + Guid.NewGuid().ToString("N");
        var user = await Http.Send(http, HttpMethod.Post, "/api/users",
            new { name = $"Load organizer {runId} {index}", email, password, timeZone = "UTC" }, null, ct);
        var token = (await Http.Send(http, HttpMethod.Post, "/api/auth/token", new { email, password }, null, ct))
            .GetProperty("accessToken").GetString()!;
        await Http.Send(http, HttpMethod.Put, "/api/availability", Rules(shape), token, ct);
        var duration = shape == CalendarShape.AllDayFiveMinutes ? 5 : 30;
        var eventType = await Http.Send(http, HttpMethod.Post, "/api/event-types",
            new { title = $"Load {runId} {index}", description = "", location = "", durationMinutes = duration }, token, ct);
        return new Calendar(user.GetProperty("id").GetGuid(), eventType.GetProperty("id").GetGuid(), email, password, token, duration);
    }

    internal static object[] Rules(CalendarShape shape) => shape == CalendarShape.AllDayFiveMinutes
        ? Enum.GetNames<DayOfWeek>().Select(d => (object)new { dayOfWeek = d, startTime = "00:00", endTime = "24:00" }).ToArray()
        : new[] { "Monday", "Tuesday", "Wednesday", "Thursday", "Friday" }
            .Select(d => (object)new { dayOfWeek = d, startTime = "09:00", endTime = "17:00" }).ToArray();

    public async Task<BookingResponse> Book(BookingRequest request, CancellationToken ct)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "/api/bookings")
        {
            Content = JsonContent.Create(new
            {
                eventTypeId = request.Calendar.EventTypeId,
                start = Http.Iso(request.Start),
                name = request.Name,
                email = request.Email,
            }, options: Http.Json),
        };
        message.Headers.Add("Idempotency-Key", request.IdempotencyKey);
        using var response = await http.SendAsync(message, ct);
        return await Http.ReadBooking(response, ct);
    }

    public async Task<IReadOnlyList<Slot>> Slots(Calendar calendar, DateOnly from, DateOnly to, CancellationToken ct)
    {
        var body = await Http.Send(http, HttpMethod.Get,
            $"/api/event-types/{calendar.EventTypeId}/slots?from={Http.Date(from)}&to={Http.Date(to)}&timeZone=UTC", null, null, ct);
        return ReadSlots(body);
    }

    internal static IReadOnlyList<Slot> ReadSlots(JsonElement body) =>
        body.GetProperty("slots").EnumerateArray()
            .Select(s => new Slot(s.GetProperty("start").GetDateTimeOffset(), s.GetProperty("end").GetDateTimeOffset()))
            .ToList();

    public async Task<IReadOnlyList<StoredBooking>> Bookings(Calendar calendar, DateOnly from, DateOnly to, CancellationToken ct)
    {
        var items = await Http.GetAllPages(http, $"/api/bookings?from={Http.Date(from)}&to={Http.Date(to)}&limit=1000", calendar.AccessToken, ct);
        return items.Select(b => new StoredBooking(
            b.GetProperty("id").GetGuid(), b.GetProperty("organizerId").GetGuid(), b.GetProperty("userId").GetGuid(),
            b.GetProperty("email").GetString()!, b.GetProperty("start").GetDateTimeOffset(), b.GetProperty("end").GetDateTimeOffset(),
            b.GetProperty("status").GetString()!)).ToList();
    }

    public async Task<NotificationsSeen> Notifications(Calendar calendar, IReadOnlyList<StoredBooking> accepted, IReadOnlyList<StoredBooking> bookerSample, CancellationToken ct)
    {
        // Every page of the organizer's notifications (the product keeps them all: no cap).
        var organizerInbox = await Inbox(calendar.AccessToken!, ct);
        var forOrganizer = organizerInbox.ToHashSet();
        string? note = null;
        var organizerChecked = true;

        // Anonymous bookers have no password; signing up with their email and following the link
        // mailed to it makes the account that booker (README, "Security"). The audit reads the link
        // from the development mail sink's log (run.sh's $SCHEDULER_DATA_DIR/mail.log, named by
        // SCHEDULER_MAIL_LOG); without it, bookers' notifications are not checked.
        var mailLog = Environment.GetEnvironmentVariable("SCHEDULER_MAIL_LOG");
        if (string.IsNullOrEmpty(mailLog) || !File.Exists(mailLog))
            return new NotificationsSeen(forOrganizer, organizerChecked, new HashSet<Guid>(), new HashSet<Guid>(),
                string.Join("; ", new[] { note, "bookers' notifications not checked: set SCHEDULER_MAIL_LOG to the mail sink's log" }.Where(n => n is not null)));
        var forBooker = new HashSet<Guid>();
        var checkedBookings = new HashSet<Guid>();
        foreach (var booking in bookerSample)
        {
            if (!_bookerTokens.TryGetValue(booking.Email, out var token))
            {
                var password = "Audit-" + Guid.NewGuid().ToString("N");
                using var signUp = await http.PostAsJsonAsync("/api/users",
                    new { name = "Audited booker", email = booking.Email, password, timeZone = "UTC" }, Http.Json, ct);
                if (!signUp.IsSuccessStatusCode) continue;
                if (await VerificationToken(mailLog, booking.Email, ct) is not { } link) continue;
                using var verified = await http.PostAsJsonAsync("/api/auth/verify-email", new { token = link }, Http.Json, ct);
                if (!verified.IsSuccessStatusCode) continue;
                token = (await Http.Send(http, HttpMethod.Post, "/api/auth/token", new { email = booking.Email, password }, null, ct))
                    .GetProperty("accessToken").GetString()!;
                _bookerTokens[booking.Email] = token;
            }
            checkedBookings.Add(booking.Id);
            if ((await Inbox(token, ct)).Contains(booking.Id)) forBooker.Add(booking.Id);
        }
        return new NotificationsSeen(forOrganizer, organizerChecked, forBooker, checkedBookings, note);
    }

    /// <summary>The token of the newest verification link mailed to <paramref name="email"/> (waits up to 10 s for the mail).</summary>
    private static async Task<string?> VerificationToken(string mailLog, string email, CancellationToken ct)
    {
        var link = new System.Text.RegularExpressions.Regex(@"/verify-email#token=([A-Za-z0-9_-]+)");
        for (var attempt = 0; attempt < 50; attempt++)
        {
            string text;
            await using (var file = new FileStream(mailLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
            using (var reader = new StreamReader(file))
                text = await reader.ReadToEndAsync(ct);
            // aiosmtpd prints each message between these markers.
            // The newest mail to the address that carries a verification link (other mails may follow it).
            var found = text.Split("---------- MESSAGE FOLLOWS ----------")
                .Where(m => m.Contains($"To: {email}", StringComparison.OrdinalIgnoreCase))
                .Select(m => link.Match(m))
                .LastOrDefault(m => m.Success);
            if (found is not null) return found.Groups[1].Value;
            await Task.Delay(200, ct);
        }
        return null;
    }

    private async Task<List<Guid>> Inbox(string token, CancellationToken ct) =>
        (await Http.GetAllPages(http, "/api/notifications?limit=1000", token, ct))
            .Where(n => n.TryGetProperty("bookingId", out var id) && id.ValueKind == JsonValueKind.String)
            .Select(n => n.GetProperty("bookingId").GetGuid())
            .ToList();
}
