using Ical.Net;
using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;
using Ical.Net.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Scheduler.Web.Hosting;
using Scheduler.Web.Mail;

namespace Scheduler.Web.Apis;

/// <summary>
/// A booking as an iCalendar file (RFC 5545, by Ical.Net) for the booker's or the organizer's calendar
/// app: <c>GET /api/bookings/{id}/calendar.ics</c>, to exactly whoever may read the booking. Its UID is
/// the booking's, so downloading it again after a confirmation or a cancellation updates the same entry
/// (a later SEQUENCE; a cancelled booking is STATUS:CANCELLED). The booker's copy links the manage page
/// when it was fetched with the manage token (their own secret).
/// </summary>
public static class BookingCalendarFile
{
    public const string ContentType = "text/calendar; charset=utf-8";

    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Get(
        Guid id, string? token, HttpContext http, BookingAccess access, IGrainFactory grains, PublicUrl publicUrl, TimeProvider clock)
    {
        var found = await access.Find(id, http.User, token);
        if (found is null) return Problems.NotFound("booking");
        var booking = found.Booking;
        var occurrence = await found.Calendar.GetEvent(booking.EventId);
        var organizer = await grains.GetGrain<IUserGrain>(booking.OrganizerId).Get();
        var title = occurrence?.Title ?? "Booking";
        var forOrganizer = found.Role == BookingRole.Organizer;

        var description = new List<string>();
        if (forOrganizer)
        {
            description.Add($"Booked by {booking.Name} <{booking.Email}>.");
            if (!string.IsNullOrWhiteSpace(booking.Notes)) description.Add($"Notes: {booking.Notes}");
        }
        else
        {
            description.Add($"With {organizer?.Name ?? "the organizer"}.");
            if (found.Role == BookingRole.TokenHolder)
                description.Add($"View or cancel: {publicUrl.Base}/manage/{booking.Id}?token={Uri.EscapeDataString(token!)}");
        }
        if (booking.Status == BookingStatus.Pending) description.Add("Waiting for the organizer's confirmation.");
        if (booking.Status == BookingStatus.Cancelled)
            description.Add("Cancelled" + (booking.CancellationReason is { Length: > 0 } reason ? $": {reason}" : "."));

        var entry = Entry(booking, forOrganizer ? $"{title}: {booking.Name}" : $"{title} with {organizer?.Name ?? "the organizer"}",
            description, occurrence?.Location, clock.GetUtcNow());
        var calendar = new Ical.Net.Calendar { ProductId = "-//Scheduler//Booking//EN", Method = "PUBLISH" };
        calendar.Events.Add(entry);
        var text = new CalendarSerializer().SerializeToString(calendar) ?? "";
        // A file for the person who may read the booking, not for caches in between.
        http.Response.Headers.CacheControl = "private, no-store";
        return TypedResults.File(System.Text.Encoding.UTF8.GetBytes(text), ContentType, $"booking-{booking.Id}.ics");
    }

    /// <summary>
    /// A booking as one VEVENT: UID <c>&lt;id&gt;@scheduler</c> (the booking's file and the organizer's
    /// calendar feed name it alike), its times in UTC, and a status and SEQUENCE that order the copies.
    /// </summary>
    public static CalendarEvent Entry(BookingView booking, string summary, IEnumerable<string> description, string? location, DateTimeOffset stamp) => new()
    {
        Uid = $"{booking.Id}@scheduler",
        Summary = summary,
        Description = string.Join("\n", description),
        Location = location is { Length: > 0 } ? location : null,
        DtStart = new CalDateTime(booking.Start.UtcDateTime),
        DtEnd = new CalDateTime(booking.End.UtcDateTime),
        DtStamp = new CalDateTime(stamp.UtcDateTime),
        Created = new CalDateTime(booking.CreatedAt.UtcDateTime),
        LastModified = new CalDateTime(booking.UpdatedAt.UtcDateTime),
        // A booking only moves forward, pending → confirmed → cancelled (or pending → cancelled): its
        // status orders the copies, so a later copy replaces an earlier one in a calendar app.
        Sequence = booking.Status switch { BookingStatus.Pending => 0, BookingStatus.Confirmed => 1, _ => 2 },
        Status = booking.Status switch
        {
            BookingStatus.Confirmed => EventStatus.Confirmed,
            BookingStatus.Pending => EventStatus.Tentative,
            _ => EventStatus.Cancelled,
        },
    };
}
