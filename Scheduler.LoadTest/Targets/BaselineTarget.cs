using System.Net.Http.Json;
using System.Text.Json;

namespace Scheduler.LoadTest.Targets;

/// <summary>
/// The plain-PostgreSQL baseline served by Scheduler.Web under <c>/baseline</c> when enabled
/// (Scheduler.Web/Baseline): the same operations, a stateless endpoint, one transaction per booking.
/// </summary>
public sealed class BaselineTarget(HttpClient http) : ITarget
{
    public string SqlSchema => "baseline";

    public string? HubPath => null;

    public async Task<Calendar> CreateCalendar(string runId, int index, CalendarShape shape, CancellationToken ct)
    {
        var email = $"organizer-{runId}-{index}@loadtest.example";
        var organizer = await Http.Send(http, HttpMethod.Post, "/baseline/organizers",
            new { name = $"Load organizer {runId} {index}", email, timeZone = "UTC" }, null, ct);
        var id = organizer.GetProperty("id").GetGuid();
        await Http.Send(http, HttpMethod.Put, $"/baseline/organizers/{id}/availability", ProductTarget.Rules(shape), null, ct);
        var duration = shape == CalendarShape.AllDayFiveMinutes ? 5 : 30;
        var eventType = await Http.Send(http, HttpMethod.Post, $"/baseline/organizers/{id}/event-types",
            new { title = $"Load {runId} {index}", durationMinutes = duration }, null, ct);
        return new Calendar(id, eventType.GetProperty("id").GetGuid(), email, "", null, duration);
    }

    public async Task<BookingResponse> Book(BookingRequest request, CancellationToken ct)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "/baseline/bookings")
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

    public async Task<IReadOnlyList<Slot>> Slots(Calendar calendar, DateOnly from, DateOnly to, CancellationToken ct) =>
        ProductTarget.ReadSlots(await Http.Send(http, HttpMethod.Get,
            $"/baseline/event-types/{calendar.EventTypeId}/slots?from={Http.Date(from)}&to={Http.Date(to)}", null, null, ct));

    public async Task<IReadOnlyList<StoredBooking>> Bookings(Calendar calendar, DateOnly from, DateOnly to, CancellationToken ct)
    {
        var items = await Http.Send(http, HttpMethod.Get,
            $"/baseline/organizers/{calendar.OrganizerId}/bookings?from={Http.Date(from)}&to={Http.Date(to)}", null, null, ct);
        return items.EnumerateArray().Select(b => new StoredBooking(
            b.GetProperty("id").GetGuid(), b.GetProperty("organizerId").GetGuid(), b.GetProperty("userId").GetGuid(),
            b.GetProperty("email").GetString()!, b.GetProperty("start").GetDateTimeOffset(), b.GetProperty("end").GetDateTimeOffset(),
            b.GetProperty("status").GetString()!)).ToList();
    }

    public async Task<NotificationsSeen> Notifications(Calendar calendar, IReadOnlyList<StoredBooking> accepted, IReadOnlyList<StoredBooking> bookerSample, CancellationToken ct)
    {
        var items = await Http.Send(http, HttpMethod.Get, $"/baseline/organizers/{calendar.OrganizerId}/notifications", null, null, ct);
        var forOrganizer = new HashSet<Guid>();
        var forBooker = new HashSet<Guid>();
        var bookerOf = accepted.Where(b => b.UserId is not null).ToDictionary(b => b.Id, b => b.UserId!.Value);
        foreach (var n in items.EnumerateArray())
        {
            var booking = n.GetProperty("bookingId").GetGuid();
            var recipient = n.GetProperty("userId").GetGuid();
            if (recipient == calendar.OrganizerId) forOrganizer.Add(booking);
            else if (bookerOf.TryGetValue(booking, out var booker) && booker == recipient) forBooker.Add(booking);
        }
        return new NotificationsSeen(forOrganizer, true, forBooker, accepted.Select(b => b.Id).ToHashSet(), null);
    }
}
