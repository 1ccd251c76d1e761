using Microsoft.AspNetCore.Http.HttpResults;
using Scheduler.Domain;
using Scheduler.Web.Hosting;

namespace Scheduler.Web.Apis;

/// <summary>
/// Weekly availability rules and date overrides. Parsing and limits are the domain's
/// (<see cref="AvailabilityRules"/>, <see cref="DateOverrides"/>); the calendar enforces the counts
/// inside its decision, and this layer only turns their field errors into a 400.
/// </summary>
public static class AvailabilityApi
{
    /// <summary>A weekly rule: local times in the organizer's zone; endTime may be "24:00".</summary>
    public sealed record AvailabilityRuleRequest(string? DayOfWeek, string? StartTime, string? EndTime);

    public sealed record AvailabilityRuleDto(Guid Id, string DayOfWeek, string StartTime, string EndTime, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
    {
        public static AvailabilityRuleDto From(AvailabilityRuleView r) => new(
            r.Id, r.DayOfWeek.ToString(), TimeText.FormatMinutes(r.StartMinute), TimeText.FormatMinutes(r.EndMinute), r.CreatedAt, r.UpdatedAt);
    }

    /// <summary>Local times of one interval of a date override; endTime may be "24:00".</summary>
    public sealed record IntervalRequest(string? StartTime, string? EndTime);

    /// <summary>Either <c>{unavailable: true}</c> or <c>{intervals: [{startTime, endTime}]}</c>.</summary>
    public sealed record DateOverrideRequest(bool? Unavailable, List<IntervalRequest?>? Intervals);

    public sealed record IntervalDto(string StartTime, string EndTime);

    /// <summary>A date override: <c>unavailable</c> all day, or exactly these <c>intervals</c> instead of the weekly rules.</summary>
    public sealed record DateOverrideDto(string Date, bool Unavailable, IReadOnlyList<IntervalDto> Intervals, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
    {
        public static DateOverrideDto From(DateOverrideView o) => new(
            o.Date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), o.Windows.Count == 0,
            o.Windows.Select(w => new IntervalDto(TimeText.FormatMinutes(w.StartMinute), TimeText.FormatMinutes(w.EndMinute))).ToList(),
            o.CreatedAt, o.UpdatedAt);
    }

    public static IEndpointRouteBuilder MapAvailabilityApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/availability").WithTags("Availability").RequireAuthorization();
        api.MapGet("/", Get);
        api.MapPut("/", Replace);
        api.MapPost("/", Add);
        api.MapDelete("/{id:guid}", Remove);
        api.MapGet("/overrides", ListOverrides);
        api.MapPut("/overrides/{date}", SetOverride);
        api.MapDelete("/overrides/{date}", RemoveOverride);
        return app;
    }

    private static AvailabilityRuleDraft? Parse(AvailabilityRuleRequest? rule, string prefix, List<FieldError> errors)
    {
        if (rule is null)
        {
            errors.Add(new FieldError(prefix.Length == 0 ? "body" : prefix.TrimEnd('.'), "Required."));
            return null;
        }
        return AvailabilityRules.Parse(rule.DayOfWeek, rule.StartTime, rule.EndTime, prefix, errors) is { } parsed
            ? new AvailabilityRuleDraft(NodaTime.Extensions.IsoDayOfWeekExtensions.ToDayOfWeek(parsed.Day), parsed.StartMinute, parsed.EndMinute)
            : null;
    }

    private static ProblemHttpResult Invalid(IEnumerable<FieldError> errors)
    {
        var v = new Validator();
        v.Add(errors);
        return Problems.Validation(v.Errors);
    }

    private static ProblemHttpResult Invalid(IEnumerable<InvalidField> errors)
    {
        var v = new Validator();
        v.Add(errors);
        return Problems.Validation(v.Errors);
    }

    /// <summary>The caller's weekly availability.</summary>
    public static async Task<Ok<IEnumerable<AvailabilityRuleDto>>> Get(HttpContext http, IGrainFactory grains)
    {
        var rules = await grains.GetGrain<ICalendarGrain>(http.User.RequiredUserId()).GetAvailability();
        return TypedResults.Ok(rules.Select(AvailabilityRuleDto.From));
    }

    /// <summary>Replaces all of the caller's rules (at most 200).</summary>
    public static async Task<Results<Ok<IEnumerable<AvailabilityRuleDto>>, ProblemHttpResult>> Replace(
        List<AvailabilityRuleRequest?>? body, HttpContext http, IGrainFactory grains)
    {
        if (body is null) return Problems.Validation("body", "An array of rules is required.");
        // Refused before parsing a huge body; the calendar checks the count again where it decides.
        if (AvailabilityRules.CheckCount(body.Count) is { } tooMany) return Invalid([tooMany]);
        var errors = new List<FieldError>();
        var drafts = body.Select((rule, i) => Parse(rule, $"[{i}].", errors)).ToList();
        if (errors.Count > 0) return Invalid(errors);
        var outcome = await grains.GetGrain<ICalendarGrain>(http.User.RequiredUserId()).ReplaceAvailability(drafts!);
        return outcome.Errors.Count > 0 ? Invalid(outcome.Errors) : TypedResults.Ok(outcome.Rules.Select(AvailabilityRuleDto.From));
    }

    /// <summary>Adds one rule; 400 when the caller already has the maximum (decided by the calendar, so concurrent adds cannot pass it).</summary>
    public static async Task<Results<Created<AvailabilityRuleDto>, ProblemHttpResult>> Add(
        AvailabilityRuleRequest? body, HttpContext http, IGrainFactory grains)
    {
        var errors = new List<FieldError>();
        var draft = Parse(body, "", errors);
        if (draft is null) return Invalid(errors);
        var outcome = await grains.GetGrain<ICalendarGrain>(http.User.RequiredUserId()).AddAvailability(draft);
        if (outcome.Added is not { } rule) return Invalid(outcome.Errors);
        return TypedResults.Created($"/api/availability/{rule.Id}", AvailabilityRuleDto.From(rule));
    }

    /// <summary>Removes one rule.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> Remove(Guid id, HttpContext http, IGrainFactory grains)
    {
        var removed = await grains.GetGrain<ICalendarGrain>(http.User.RequiredUserId()).RemoveAvailability(id);
        return removed ? TypedResults.NoContent() : Problems.NotFound("availability rule");
    }

    /// <summary>The caller's date overrides, by date.</summary>
    public static async Task<Ok<IEnumerable<DateOverrideDto>>> ListOverrides(HttpContext http, IGrainFactory grains)
    {
        var overrides = await grains.GetGrain<ICalendarGrain>(http.User.RequiredUserId()).GetDateOverrides();
        return TypedResults.Ok(overrides.Select(DateOverrideDto.From));
    }

    /// <summary>
    /// Sets the availability of one local date (organizer's zone), replacing the weekly rules there:
    /// <c>{unavailable: true}</c> or <c>{intervals: [{startTime, endTime}]}</c>. At most 1000 overrides.
    /// </summary>
    public static async Task<Results<Ok<DateOverrideDto>, ProblemHttpResult>> SetOverride(
        string date, DateOverrideRequest? body, HttpContext http, IGrainFactory grains)
    {
        var errors = new List<FieldError>();
        var intervals = body?.Intervals?.Select(i => (i?.StartTime, i?.EndTime)).ToList();
        var parsed = DateOverrides.Parse(date, body?.Unavailable, intervals, errors);
        if (parsed is null) return Invalid(errors);
        var draft = new DateOverrideDraft(parsed.Date.ToDateOnly(),
            parsed.Windows.Select(w => new OverrideWindow(w.StartMinute, w.EndMinute)).ToList());
        var outcome = await grains.GetGrain<ICalendarGrain>(http.User.RequiredUserId()).SetDateOverride(draft);
        return outcome.Override is { } stored ? TypedResults.Ok(DateOverrideDto.From(stored)) : Invalid(outcome.Errors);
    }

    /// <summary>Removes the override of one date (the weekly rules apply there again).</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> RemoveOverride(string date, HttpContext http, IGrainFactory grains)
    {
        if (!DateOverrides.TryParseDate(date, out var day)) return Problems.Validation("date", "A date yyyy-MM-dd.");
        var removed = await grains.GetGrain<ICalendarGrain>(http.User.RequiredUserId()).RemoveDateOverride(day.ToDateOnly());
        return removed ? TypedResults.NoContent() : Problems.NotFound("date override");
    }
}
