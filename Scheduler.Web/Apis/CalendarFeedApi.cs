using System.Security.Cryptography;
using Ical.Net.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;
using Scheduler.Web.Hosting;
using Scheduler.Web.Mail;

namespace Scheduler.Web.Apis;

/// <summary>
/// An organizer's calendar feed: a secret URL a calendar app subscribes to (Google Calendar's "From
/// URL", Apple Calendar's "New Calendar Subscription", Outlook's "Subscribe from web"), listing the
/// calendar's bookings so they show beside the organizer's other appointments. The URL carries the
/// organizer's id and a secret: 128 random bits and a 128-bit MAC of them and the id under a key
/// derived from the cluster's signing key, so a front end refuses a made-up secret without asking the
/// cluster; only the secret's SHA-256 is stored, and the user grain says whether it is the current one.
/// Making one needs the current password (a stolen access token ends within the hour; a feed would
/// not). Making a new one ends the old one; so do "sign out everywhere", a new password and a reset.
/// </summary>
public static class CalendarFeedApi
{
    /// <summary>How far back the feed reaches: the last month, so a calendar app keeps recent history.</summary>
    public const int PastDays = 30;

    /// <summary>At most this many upcoming (and, separately, recent) bookings in one feed.</summary>
    public const int MaxBookings = Paging.MaxLimit;

    /// <summary>The feed's URL (shown once, when it is made) and when it was made.</summary>
    public sealed record CalendarFeedDto(string? Url, DateTimeOffset CreatedAt);

    /// <summary>The caller's current password: a feed outlives the access token that asks for it.</summary>
    public sealed record CreateCalendarFeedRequest(string? CurrentPassword);

    private const int NonceLength = 16;
    private const int MacLength = 16;

    public static IEndpointRouteBuilder MapCalendarFeedApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/me/calendar-feed", Create).WithTags("Users").RequireAuthorization();
        app.MapGet("/api/me/calendar-feed", Get).WithTags("Users").RequireAuthorization();
        app.MapDelete("/api/me/calendar-feed", Delete).WithTags("Users").RequireAuthorization();
        // Not limited per client address: calendar services fetch many people's feeds from a few
        // addresses. A made-up secret fails its MAC on the front end; fetches are limited per organizer.
        app.MapGet("/api/organizers/{id:guid}/calendar.ics", Feed).WithTags("Bookings").AllowAnonymous()
            .Produces(StatusCodes.Status200OK, contentType: BookingCalendarFile.ContentType);
        return app;
    }

    /// <summary>
    /// Makes a new calendar feed URL for the caller's bookings (201, the URL in the body, shown only
    /// here), with the current password. An earlier URL stops working.
    /// </summary>
    public static async Task<Results<Created<CalendarFeedDto>, ProblemHttpResult>> Create(
        CreateCalendarFeedRequest? body, HttpContext http, IGrainFactory grains, PublicUrl publicUrl, SigningKeys keys,
        IPasswordHasher<UserProfile> hasher, AccountThrottle throttle)
    {
        var v = new Validator();
        if (string.IsNullOrEmpty(body?.CurrentPassword)) v.Add("currentPassword", "Required to make a calendar feed.");
        else v.ExistingPassword("currentPassword", body.CurrentPassword);
        if (!v.IsValid) return Problems.Validation(v.Errors);
        var userId = http.User.RequiredUserId();
        var user = grains.GetGrain<IUserGrain>(userId);
        var (refused, verified) = await UsersApi.CheckCurrentPassword(http, user, userId, body!.CurrentPassword!, hasher, throttle);
        if (refused is not null) return refused;

        var nonce = RandomNumberGenerator.GetBytes(NonceLength);
        var secret = WebEncoders.Base64UrlEncode([.. nonce, .. Mac(keys, userId, nonce)]);
        // Only if the password is still the one just checked: a reset that landed meanwhile wins.
        var createdAt = await user.CreateCalendarFeed(Hash(secret), verified!);
        if (createdAt is null) return Problems.Validation("currentPassword", "Does not match the current password.");
        var url = $"{publicUrl.Base}/api/organizers/{userId}/calendar.ics?token={secret}";
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Created("/api/me/calendar-feed", new CalendarFeedDto(url, createdAt.Value));
    }

    /// <summary>Whether the caller has a working calendar feed, and since when (its URL is never shown again): 404 when none.</summary>
    public static async Task<Results<Ok<CalendarFeedDto>, ProblemHttpResult>> Get(HttpContext http, IGrainFactory grains)
    {
        var createdAt = await grains.GetGrain<IUserGrain>(http.User.RequiredUserId()).GetCalendarFeed();
        return createdAt is null ? Problems.NotFound("calendar feed") : TypedResults.Ok(new CalendarFeedDto(null, createdAt.Value));
    }

    /// <summary>Ends the caller's calendar feed: its URL stops working (204, also when there was none).</summary>
    public static async Task<NoContent> Delete(HttpContext http, IGrainFactory grains)
    {
        await grains.GetGrain<IUserGrain>(http.User.RequiredUserId()).DeleteCalendarFeed();
        return TypedResults.NoContent();
    }

    /// <summary>
    /// The organizer's calendar feed (RFC 5545), for whoever holds its URL: the bookings that have not
    /// ended and those that started on the last 30 dates, pending ones as tentative, cancelled ones left
    /// out (a subscribed calendar drops them). Each entry names the booking's event (title and location
    /// as booked) and the booker, with their address and notes, as the organizer's own copy of a booking
    /// does. 404 unless the secret is the organizer's current one; 429 after too many fetches of one feed.
    /// </summary>
    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Feed(
        Guid id, string? token, HttpContext http, IGrainFactory grains, TimeProvider clock, SigningKeys keys, OrganizerThrottle throttle)
    {
        // A secret this cluster never made for this id is refused here, at no cost to the cluster.
        if (!Signed(keys, id, token) || !await grains.GetGrain<IUserGrain>(id).AcceptsCalendarFeed(Hash(token!)))
            return Problems.NotFound("calendar feed");
        if (throttle.TryFetchFeed(id) is { } wait)
        {
            RateLimits.SetRetryAfter(http, wait);
            return Problems.Result("rate-limited", "This calendar feed is fetched too often: retry later.");
        }
        var calendarGrain = grains.GetGrain<ICalendarGrain>(id);
        var now = clock.GetUtcNow();
        var since = DateOnly.FromDateTime(now.UtcDateTime).AddDays(-PastDays);
        // Upcoming first: a booking that ends between the two reads is then in both (once in the feed), not in neither.
        var upcoming = await calendarGrain.ListBookings(new BookingListQuery(null, null, null, MaxBookings, null, null));
        var recent = await calendarGrain.ListBookings(new BookingListQuery(since, null, null, MaxBookings, null, null, Past: true));
        // The bookings' events, as booked (an event type renamed or deleted since keeps its bookings' titles).
        var events = (await calendarGrain.ListEvents(new BookingListQuery(since, null, null, 2 * MaxBookings, null, null))).Items
            .ToDictionary(e => e.Id);
        var organizer = await grains.GetGrain<IUserGrain>(id).Get();

        var calendar = new Ical.Net.Calendar { ProductId = "-//Scheduler//Calendar feed//EN", Method = "PUBLISH" };
        calendar.AddProperty("X-WR-CALNAME", $"Scheduler: {organizer?.Name ?? "bookings"}");
        // How often a calendar app should fetch it again (RFC 7986 and the older Microsoft hint).
        calendar.AddProperty("REFRESH-INTERVAL;VALUE=DURATION", "PT15M");
        calendar.AddProperty("X-PUBLISHED-TTL", "PT15M");
        foreach (var booking in recent.Items.Reverse().Concat(upcoming.Items).DistinctBy(b => b.Id))
        {
            if (booking.Status == BookingStatus.Cancelled) continue;
            var occurrence = events.GetValueOrDefault(booking.EventId);
            var description = new List<string> { $"Booked by {booking.Name} <{booking.Email}>." };
            if (!string.IsNullOrWhiteSpace(booking.Notes)) description.Add($"Notes: {booking.Notes}");
            if (booking.Status == BookingStatus.Pending) description.Add("Waiting for your confirmation.");
            calendar.Events.Add(BookingCalendarFile.Entry(booking, $"{occurrence?.Title ?? "Booking"}: {booking.Name}", description, occurrence?.Location, now));
        }
        var text = new CalendarSerializer().SerializeToString(calendar) ?? "";
        // The organizer's bookings, for the holder of the secret: not for caches in between.
        http.Response.Headers.CacheControl = "private, no-store";
        return TypedResults.File(System.Text.Encoding.UTF8.GetBytes(text), BookingCalendarFile.ContentType, "calendar.ics");
    }

    private static byte[] Hash(string secret) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret));

    /// <summary>The MAC of a feed secret's nonce for <paramref name="userId"/>, under a key of its own derived from the signing key.</summary>
    private static byte[] Mac(SigningKeys keys, Guid userId, byte[] nonce)
    {
        var key = HMACSHA256.HashData(keys.Key.Key, "scheduler calendar feed"u8);
        byte[] message = [.. userId.ToByteArray(), .. nonce];
        return HMACSHA256.HashData(key, message)[..MacLength];
    }

    private static bool Signed(SigningKeys keys, Guid userId, string? token)
    {
        if (token is not { Length: > 0 and <= 64 }) return false;
        byte[] bytes;
        try { bytes = WebEncoders.Base64UrlDecode(token); }
        catch (FormatException) { return false; }
        // The canonical spelling only: another text for the same bytes would hash differently anyway.
        return bytes.Length == NonceLength + MacLength && WebEncoders.Base64UrlEncode(bytes) == token
            && CryptographicOperations.FixedTimeEquals(bytes.AsSpan(NonceLength), Mac(keys, userId, bytes[..NonceLength]));
    }
}
