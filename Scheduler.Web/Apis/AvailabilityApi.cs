using Microsoft.AspNetCore.Http.HttpResults;
using Scheduler.Web.Hosting;

namespace Scheduler.Web.Apis;

public static class AvailabilityApi
{
    /// <summary>A weekly rule: local times in the organizer's zone; endTime may be "24:00".</summary>
    public sealed record AvailabilityRuleRequest(string? DayOfWeek, string? StartTime, string? EndTime);

    public sealed record AvailabilityRuleDto(Guid Id, string DayOfWeek, string StartTime, string EndTime, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
    {
        public static AvailabilityRuleDto From(AvailabilityRuleView r) => new(
            r.Id, r.DayOfWeek.ToString(), TimeText.FormatMinutes(r.StartMinute), TimeText.FormatMinutes(r.EndMinute), r.CreatedAt, r.UpdatedAt);
    }

    public const int MaxRules = 200;

    public static IEndpointRouteBuilder MapAvailabilityApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/availability").WithTags("Availability").RequireAuthorization();
        api.MapGet("/", Get);
        api.MapPut("/", Replace);
        api.MapPost("/", Add);
        api.MapDelete("/{id:guid}", Remove);
        return app;
    }

    private static AvailabilityRuleDraft? Parse(AvailabilityRuleRequest? rule, string prefix, Validator v)
    {
        var valid = true;
        if (rule is null) { v.Add(prefix.TrimEnd('.'), "Required."); return null; }
        if (!Enum.TryParse<DayOfWeek>(rule.DayOfWeek, ignoreCase: true, out var day) || int.TryParse(rule.DayOfWeek, out _))
        {
            v.Add(prefix + "dayOfWeek", "A day name such as Monday.");
            valid = false;
        }
        if (!TimeText.TryParseMinutes(rule.StartTime, allowEndOfDay: false, out var start))
        {
            v.Add(prefix + "startTime", "A time HH:mm from 00:00 to 23:59.");
            valid = false;
        }
        if (!TimeText.TryParseMinutes(rule.EndTime, allowEndOfDay: true, out var end))
        {
            v.Add(prefix + "endTime", "A time HH:mm from 00:01 to 24:00.");
            valid = false;
        }
        if (valid && end <= start)
        {
            v.Add(prefix + "endTime", "Must be after startTime.");
            valid = false;
        }
        return valid ? new AvailabilityRuleDraft(day, start, end) : null;
    }

    /// <summary>The caller's weekly availability.</summary>
    public static async Task<Ok<IEnumerable<AvailabilityRuleDto>>> Get(HttpContext http, IGrainFactory grains)
    {
        var rules = await grains.GetGrain<ICalendarGrain>(http.User.RequiredUserId()).GetAvailability();
        return TypedResults.Ok(rules.Select(AvailabilityRuleDto.From));
    }

    /// <summary>Replaces all of the caller's rules.</summary>
    public static async Task<Results<Ok<IEnumerable<AvailabilityRuleDto>>, ProblemHttpResult>> Replace(
        List<AvailabilityRuleRequest?>? body, HttpContext http, IGrainFactory grains)
    {
        var v = new Validator();
        if (body is null) return Problems.Validation("body", "An array of rules is required.");
        if (body.Count > MaxRules) return Problems.Validation("body", $"At most {MaxRules} rules.");
        var drafts = body.Select((rule, i) => Parse(rule, $"[{i}].", v)).ToList();
        if (!v.IsValid) return Problems.Validation(v.Errors);
        var rules = await grains.GetGrain<ICalendarGrain>(http.User.RequiredUserId()).ReplaceAvailability(drafts!);
        return TypedResults.Ok(rules.Select(AvailabilityRuleDto.From));
    }

    /// <summary>Adds one rule.</summary>
    public static async Task<Results<Created<AvailabilityRuleDto>, ProblemHttpResult>> Add(
        AvailabilityRuleRequest? body, HttpContext http, IGrainFactory grains)
    {
        var v = new Validator();
        var draft = Parse(body, "", v);
        if (draft is null) return Problems.Validation(v.Errors);
        var calendar = grains.GetGrain<ICalendarGrain>(http.User.RequiredUserId());
        if ((await calendar.GetAvailability()).Count >= MaxRules) return Problems.Validation("body", $"At most {MaxRules} rules.");
        var rule = await calendar.AddAvailability(draft);
        return TypedResults.Created($"/api/availability/{rule.Id}", AvailabilityRuleDto.From(rule));
    }

    /// <summary>Removes one rule.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> Remove(Guid id, HttpContext http, IGrainFactory grains)
    {
        var removed = await grains.GetGrain<ICalendarGrain>(http.User.RequiredUserId()).RemoveAvailability(id);
        return removed ? TypedResults.NoContent() : Problems.NotFound("availability rule");
    }
}
