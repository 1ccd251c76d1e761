using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Scheduler.Web.Hosting;

namespace Scheduler.Web.Baseline;

/// <summary>
/// NOT THE PRODUCT. The design a team would otherwise build — a stateless endpoint, one PostgreSQL
/// transaction per booking guarded by an exclusion constraint, slots computed in SQL — served under
/// <c>/baseline</c> only when configuration enables it (<c>SCHEDULER_BASELINE=1</c> or
/// <c>Scheduler:Baseline:Enabled=true</c>), so the load tester can run the same scenarios against both
/// on the same machine (scripts/bench.sh). Anonymous on purpose: a benchmark fixture, never enable it
/// on a public deployment. Its own schema (<c>baseline</c>) and its own small connection pool.
/// </summary>
public static class BaselineApi
{
    public const string Prefix = "/baseline";
    public const int DefaultPoolSize = 8;

    public sealed record OrganizerRequest(string? Name, string? Email, string? TimeZone);

    public sealed record IdDto(Guid Id);

    public sealed record RuleRequest(string? DayOfWeek, string? StartTime, string? EndTime);

    public sealed record EventTypeRequest(string? Title, int? DurationMinutes);

    public sealed record EventTypeDto(Guid Id, Guid OrganizerId, string Title, int DurationMinutes);

    public sealed record BookingRequest(string? EventTypeId, string? Start, string? Name, string? Email, string? Notes);

    public sealed record SlotDto(string Start, string End);

    public sealed record SlotsDto(Guid EventTypeId, string TimeZone, IReadOnlyList<SlotDto> Slots);

    public sealed record BookingDto(
        Guid Id, Guid EventTypeId, Guid OrganizerId, Guid UserId, string Name, string Email, string? Notes, string Status,
        string Start, string End, DateTimeOffset CreatedAt)
    {
        public static BookingDto From(BaselineStore.BookingRow b) =>
            new(b.Id, b.EventTypeId, b.OrganizerId, b.UserId, b.Name, b.Email, b.Notes, b.Status, Utc(b.Start), Utc(b.End), b.CreatedAt);
    }

    public sealed record NotificationDto(Guid Id, Guid UserId, Guid BookingId, string Kind, DateTimeOffset SentAt);

    public static bool IsEnabled(IConfiguration config) =>
        config["SCHEDULER_BASELINE"] is "1" or "true" || config.GetValue<bool>("Scheduler:Baseline:Enabled");

    /// <summary>Maps /baseline (after creating its schema) when enabled; otherwise does nothing.</summary>
    public static async Task MapBaselineIfEnabled(this WebApplication app)
    {
        if (!IsEnabled(app.Configuration)) return;
        var pool = app.Configuration.GetValue<int?>("SCHEDULER_BASELINE_POOL") ?? app.Configuration.GetValue<int?>("Scheduler:Baseline:PoolSize") ?? DefaultPoolSize;
        var connection = new NpgsqlConnectionStringBuilder(app.Configuration["SCHEDULER_DB"])
        {
            MaxPoolSize = pool,
            ApplicationName = "scheduler-baseline",
        };
        var source = NpgsqlDataSource.Create(connection.ConnectionString);
        app.Lifetime.ApplicationStopped.Register(source.Dispose);
        await BaselineSchema.EnsureCreated(source);
        var store = new BaselineStore(source);
        app.Logger.LogWarning("The baseline (not the product) is enabled: anonymous endpoints under {Prefix}, pool of {Pool} connections", Prefix, pool);

        var api = app.MapGroup(Prefix).AllowAnonymous().ExcludeFromDescription();
        api.MapPost("/organizers", (OrganizerRequest? body, CancellationToken ct) => CreateOrganizer(store, body, ct));
        api.MapPut("/organizers/{id:guid}/availability", (Guid id, RuleRequest[]? body, CancellationToken ct) => ReplaceAvailability(store, id, body, ct));
        api.MapPost("/organizers/{id:guid}/event-types", (Guid id, EventTypeRequest? body, CancellationToken ct) => CreateEventType(store, id, body, ct));
        api.MapGet("/event-types/{id:guid}/slots", (Guid id, string? from, string? to, CancellationToken ct) => Slots(store, id, from, to, ct));
        api.MapPost("/bookings", (BookingRequest? body, [FromHeader(Name = "Idempotency-Key")] string? key, CancellationToken ct) => Book(store, body, key, ct));
        api.MapGet("/organizers/{id:guid}/bookings", (Guid id, string? from, string? to, CancellationToken ct) => Bookings(store, id, from, to, ct));
        api.MapGet("/organizers/{id:guid}/notifications", async (Guid id, CancellationToken ct) =>
            TypedResults.Ok((await store.Notifications(id, ct)).Select(n => new NotificationDto(n.Id, n.UserId, n.BookingId, n.Kind, n.SentAt))));
    }

    private static string Utc(DateTimeOffset instant) =>
        instant.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'+00:00'", CultureInfo.InvariantCulture);

    private static async Task<Results<Created<IdDto>, ProblemHttpResult>> CreateOrganizer(BaselineStore store, OrganizerRequest? body, CancellationToken ct)
    {
        var v = new Validator();
        var name = v.RequiredText("name", body?.Name, 200);
        var email = v.Email("email", body?.Email);
        var zone = v.TimeZone("timeZone", body?.TimeZone ?? "UTC");
        if (!v.IsValid) return Problems.Validation(v.Errors);
        var id = await store.CreateOrganizer(name!, email!, zone!.Id, ct);
        return id is { } created ? TypedResults.Created($"{Prefix}/organizers/{created}", new IdDto(created)) : Problems.Result("email-taken");
    }

    private static async Task<Results<Ok<RuleRequest[]>, ProblemHttpResult>> ReplaceAvailability(BaselineStore store, Guid id, RuleRequest[]? body, CancellationToken ct)
    {
        var v = new Validator();
        var rules = new List<BaselineStore.Rule>();
        foreach (var (rule, i) in (body ?? []).Select((r, i) => (r, i)))
        {
            if (!Enum.TryParse<DayOfWeek>(rule.DayOfWeek, ignoreCase: true, out var day) || int.TryParse(rule.DayOfWeek, out _))
                v.Add($"[{i}].dayOfWeek", "A day name such as Monday.");
            if (!TimeText.TryParseMinutes(rule.StartTime, allowEndOfDay: false, out var start)) v.Add($"[{i}].startTime", "HH:mm.");
            if (!TimeText.TryParseMinutes(rule.EndTime, allowEndOfDay: true, out var end) || end <= start) v.Add($"[{i}].endTime", "HH:mm after startTime, up to 24:00.");
            if (v.IsValid)
                rules.Add(new BaselineStore.Rule((int)day, TimeOnly.FromTimeSpan(TimeSpan.FromMinutes(start)), end == 1440 ? TimeOnly.MaxValue : TimeOnly.FromTimeSpan(TimeSpan.FromMinutes(end)), end == 1440));
        }
        if (!v.IsValid) return Problems.Validation(v.Errors);
        return await store.ReplaceAvailability(id, rules, ct) ? TypedResults.Ok(body ?? []) : Problems.NotFound("organizer");
    }

    private static async Task<Results<Created<EventTypeDto>, ProblemHttpResult>> CreateEventType(BaselineStore store, Guid organizerId, EventTypeRequest? body, CancellationToken ct)
    {
        var v = new Validator();
        var title = v.RequiredText("title", body?.Title, 200);
        if (body?.DurationMinutes is not (>= 1 and <= 1440)) v.Add("durationMinutes", "Between 1 and 1440 minutes.");
        if (!v.IsValid) return Problems.Validation(v.Errors);
        var id = await store.CreateEventType(organizerId, title!, body!.DurationMinutes!.Value, ct);
        return id is { } created
            ? TypedResults.Created($"{Prefix}/event-types/{created}", new EventTypeDto(created, organizerId, title!, body.DurationMinutes.Value))
            : Problems.NotFound("organizer");
    }

    private static async Task<Results<Ok<SlotsDto>, ProblemHttpResult>> Slots(BaselineStore store, Guid id, string? from, string? to, CancellationToken ct)
    {
        var v = new Validator();
        var fromDate = v.Date("from", from);
        var toDate = v.Date("to", to);
        if (fromDate is { } f && toDate is { } t && (t < f || t.DayNumber - f.DayNumber + 1 > 62)) v.Add("to", "From 'from' to at most 62 dates later.");
        if (!v.IsValid) return Problems.Validation(v.Errors);
        var found = await store.Slots(id, fromDate!.Value, toDate!.Value, ct);
        if (found is not { } list) return Problems.NotFound("event type");
        return TypedResults.Ok(new SlotsDto(id, list.TimeZone, list.Slots.Select(s => new SlotDto(Utc(s.Start), Utc(s.End))).ToList()));
    }

    private static async Task<Results<Created<BookingDto>, ProblemHttpResult>> Book(BaselineStore store, BookingRequest? body, string? key, CancellationToken ct)
    {
        var v = new Validator();
        var eventTypeId = v.Id("eventTypeId", body?.EventTypeId);
        var start = v.Instant("start", body?.Start);
        var name = v.RequiredText("name", body?.Name, 200);
        var email = v.Email("email", body?.Email);
        var notes = v.Text("notes", body?.Notes, 2000);
        if (key is not null && (key.Length is 0 or > 200 || key.Any(char.IsControl))) v.Add("Idempotency-Key", "1 to 200 printable characters.");
        if (!v.IsValid) return Problems.Validation(v.Errors);

        var fingerprint = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n',
            eventTypeId, start!.Value.UtcTicks, name, email!.ToLowerInvariant(), notes ?? ""))));
        var result = await store.Book(eventTypeId!.Value, start.Value, name!, email, notes, key, fingerprint, ct);
        return result.Kind switch
        {
            BaselineStore.BookKind.Created => TypedResults.Created($"{Prefix}/bookings/{result.Booking!.Id}", BookingDto.From(result.Booking)),
            BaselineStore.BookKind.SlotUnavailable => Problems.Result("slot-unavailable", "Refused by the exclusion constraint."),
            BaselineStore.BookKind.OutsideAvailability => Problems.Result("outside-availability"),
            BaselineStore.BookKind.IdempotencyMismatch => Problems.Result("idempotency-mismatch"),
            _ => Problems.NotFound("event type"),
        };
    }

    private static async Task<Results<Ok<IEnumerable<BookingDto>>, ProblemHttpResult>> Bookings(BaselineStore store, Guid id, string? from, string? to, CancellationToken ct)
    {
        var v = new Validator();
        var fromDate = v.Date("from", from);
        var toDate = v.Date("to", to);
        if (!v.IsValid) return Problems.Validation(v.Errors);
        return TypedResults.Ok((await store.Bookings(id, fromDate!.Value, toDate!.Value, ct)).Select(BookingDto.From));
    }
}
