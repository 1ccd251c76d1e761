using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Scheduler.Web.Hosting;

/// <summary>
/// RFC 9457 problem details with a stable <c>type</c> a client can switch on. Every token is listed
/// in <see cref="Catalog"/> (and in the README) with its status and meaning.
/// </summary>
public static class Problems
{
    public const string TypePrefix = "/problems/";

    public static readonly IReadOnlyDictionary<string, (int Status, string Title)> Catalog = new Dictionary<string, (int, string)>
    {
        ["validation"] = (400, "The request is not valid."),
        ["unauthorized"] = (401, "Authentication is required."),
        ["invalid-credentials"] = (401, "Email or password is wrong."),
        ["invalid-verification"] = (400, "This verification link is not valid: unknown, already used or expired."),
        ["invalid-reset"] = (400, "This password-reset link is not valid: unknown, already used or expired."),
        ["forbidden"] = (403, "Not allowed."),
        ["not-found"] = (404, "No such resource."),
        ["method-not-allowed"] = (405, "Method not allowed."),
        ["email-taken"] = (409, "That email address already has an account."),
        ["slot-unavailable"] = (409, "That slot was just taken."),
        ["invalid-status"] = (409, "The booking's status does not allow this."),
        ["already-verified"] = (409, "The email address is verified already."),
        ["has-bookings"] = (409, "The event type has future bookings: cancel them with ?cancelBookings=true."),
        ["outside-availability"] = (422, "That start is not a bookable slot of this event type."),
        ["idempotency-mismatch"] = (422, "This Idempotency-Key was used with a different request."),
        ["unsupported-media-type"] = (415, "Send JSON (Content-Type: application/json)."),
        ["too-large"] = (413, "The request body is too large."),
        ["request-timeout"] = (408, "The request was not received in time."),
        ["headers-too-large"] = (431, "The request headers are too large."),
        ["precondition-failed"] = (412, "The resource does not match the request's If-Match or If-Unmodified-Since."),
        ["range-not-satisfiable"] = (416, "The requested range is not within the resource."),
        ["rate-limited"] = (429, "Too many requests: retry after Retry-After seconds."),
        ["retry"] = (503, "Temporarily unavailable; the outcome is unknown. Retry, with the same Idempotency-Key."),
        ["internal"] = (500, "Unexpected error."),
    };

    public static string TypeOf(string token) => TypePrefix + token;

    public static ProblemDetails Create(string token, string? detail = null)
    {
        var (status, title) = Catalog[token];
        return new ProblemDetails { Type = TypeOf(token), Status = status, Title = title, Detail = detail };
    }

    public static ProblemHttpResult Result(string token, string? detail = null) =>
        TypedResults.Problem(Create(token, detail));

    /// <summary>
    /// Writes a problem from a middleware, as the API's own results do: through the problem-details
    /// service, and as application/problem+json whatever the request's Accept says (the service alone
    /// throws when Accept excludes JSON, which would turn a 413, 415 or 429 into a 500).
    /// </summary>
    public static Task WriteAsync(HttpContext context, ProblemDetails problem)
    {
        context.Response.StatusCode = problem.Status ?? StatusCodes.Status500InternalServerError;
        return TypedResults.Problem(problem).ExecuteAsync(context);
    }

    public static ProblemHttpResult NotFound(string what = "resource") =>
        Result("not-found", $"No such {what}.");

    public static ProblemHttpResult Validation(IDictionary<string, string[]> errors)
    {
        var problem = Create("validation", "See errors for the fields to fix.");
        problem.Extensions["errors"] = errors;
        return TypedResults.Problem(problem);
    }

    public static ProblemHttpResult Validation(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>Token for a framework-produced status code with no problem body of its own.</summary>
    public static string TokenForStatus(int status) => status switch
    {
        400 => "validation",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not-found",
        405 => "method-not-allowed",
        408 => "request-timeout",
        413 => "too-large",
        412 => "precondition-failed",
        415 => "unsupported-media-type",
        416 => "range-not-satisfiable",
        429 => "rate-limited",
        431 => "headers-too-large",
        503 => "retry",
        _ => "internal",
    };
}
