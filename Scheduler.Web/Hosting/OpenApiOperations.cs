using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Scheduler.Web.Hosting;

/// <summary>
/// Completes each operation from its endpoint metadata, so routes added later get the same treatment:
/// a stable operation id, its security requirement, one <c>application/problem+json</c> response per
/// error status it can return (with the problem types of that status as examples), the headers a client
/// reads (<c>Location</c>, <c>Link</c>, <c>Retry-After</c>) and typed query parameters.
/// </summary>
public sealed partial class OpenApiOperations : IOpenApiOperationTransformer
{
    public const string BearerScheme = "Bearer";
    public const string ManageTokenScheme = "ManageToken";
    public const string ProblemSchema = "ProblemDetails";
    public const string ProblemTypesExtension = "x-problem-types";

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var description = context.Description;
        var method = description.HttpMethod ?? "GET";
        // As the document shows it: "api/bookings/{id:guid}/" → "/api/bookings/{id}".
        var path = "/" + RouteConstraint().Replace(description.RelativePath ?? "", "{$1}").TrimEnd('/');
        var metadata = description.ActionDescriptor.EndpointMetadata;
        var requiresBearer = metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any();
        var route = OpenApiRoutes.Table.GetValueOrDefault($"{method} {path}");

        operation.OperationId ??= route?.OperationId ?? DeriveOperationId(method, path);
        if (route?.Summary is { } summary) operation.Summary ??= summary;
        ApiAccess? access = requiresBearer ? null : route?.Access ?? ApiAccess.Anonymous;
        operation.Security = Security(access, context.Document);

        NormalizeRequestBody(operation);
        DescribeParameters(operation, path);
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            if (route?.RequiredParameters.Contains(parameter.Name) == true) parameter.Required = true;
        }
        operation.Responses ??= new OpenApiResponses();
        operation.Responses.Remove("default");
        AddSuccessHeaders(operation, path);

        var problems = new List<string>(route?.Problems ?? []);
        // Path parameters are constrained ({id:guid}): a malformed one does not match the route (404).
        var hasInput = operation.Parameters?.Any(p => p.In != ParameterLocation.Path) == true || operation.RequestBody is not null;
        if (hasInput) problems.Add("validation");
        if (requiresBearer) problems.Add("unauthorized");
        // Routes under an abuse limit (RateLimits) can answer 429 with Retry-After.
        if (metadata.OfType<Microsoft.AspNetCore.RateLimiting.EnableRateLimitingAttribute>().Any()) problems.Add("rate-limited");
        if (path.Contains('{')) problems.Add("not-found");
        if (operation.RequestBody is not null) problems.Add("unsupported-media-type");
        problems.Add("retry");
        problems.Add("internal");
        foreach (var byStatus in problems.Distinct().GroupBy(token => Problems.Catalog[token].Status).OrderBy(g => g.Key))
            operation.Responses[byStatus.Key.ToString(CultureInfo.InvariantCulture)] = ProblemResponse(byStatus.Key, [.. byStatus], context.Document);
        return Task.CompletedTask;
    }

    private static List<OpenApiSecurityRequirement> Security(ApiAccess? access, OpenApiDocument? document)
    {
        OpenApiSecurityRequirement Scheme(string name) => new() { [new OpenApiSecuritySchemeReference(name, document)] = [] };
        // An empty requirement object means "no credentials needed".
        return access switch
        {
            null => [Scheme(BearerScheme)],
            ApiAccess.OptionalBearer => [new OpenApiSecurityRequirement(), Scheme(BearerScheme)],
            ApiAccess.BearerOrManageToken => [Scheme(BearerScheme), Scheme(ManageTokenScheme)],
            _ => [new OpenApiSecurityRequirement()],
        };
    }

    /// <summary>"GET /api/event-types/{id}/slots" → "getEventTypesSlots": only for routes missing from <see cref="OpenApiRoutes"/>.</summary>
    public static string DeriveOperationId(string method, string path)
    {
        var id = new StringBuilder(method.ToLowerInvariant());
        foreach (var segment in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (segment == "api" || segment.StartsWith('{')) continue;
            foreach (var word in segment.Split('-', StringSplitOptions.RemoveEmptyEntries))
                id.Append(char.ToUpperInvariant(word[0])).Append(word.AsSpan(1));
        }
        return id.ToString();
    }

    /// <summary>
    /// Handlers take nullable bodies so that a missing body becomes our 400 <c>validation</c> problem,
    /// which the generator renders as <c>oneOf: [null, X]</c>; a client must send X.
    /// </summary>
    private static void NormalizeRequestBody(OpenApiOperation operation)
    {
        if (operation.RequestBody is not OpenApiRequestBody body || body.Content is null) return;
        body.Required = true;
        foreach (var media in body.Content.Values)
        {
            if (media.Schema is OpenApiSchema { OneOf: { Count: 2 } oneOf } && oneOf.SingleOrDefault(s => s.Type != JsonSchemaType.Null) is { } only)
                media.Schema = only;
        }
    }

    private static void DescribeParameters(OpenApiOperation operation, string path)
    {
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            var schema = parameter.Schema as OpenApiSchema;
            switch (parameter.In, parameter.Name)
            {
                case (ParameterLocation.Query, "from" or "to"):
                    parameter.Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "date" };
                    parameter.Description ??= parameter.Name == "from"
                        ? "First date (YYYY-MM-DD, inclusive), in the zone the operation names."
                        : "Last date (YYYY-MM-DD, inclusive), in the zone the operation names.";
                    break;
                case (ParameterLocation.Query, "limit"):
                    parameter.Schema = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Integer,
                        Format = "int32",
                        Minimum = "1",
                        Maximum = Paging.MaxLimit.ToString(CultureInfo.InvariantCulture),
                        Default = Paging.DefaultLimit,
                    };
                    parameter.Description ??= $"Page size (default {Paging.DefaultLimit}, at most {Paging.MaxLimit}).";
                    break;
                case (ParameterLocation.Query, "cursor"):
                    parameter.Description ??= "Opaque: copy it from the previous page's `Link: <…>; rel=\"next\"` header.";
                    break;
                case (ParameterLocation.Query, "timeZone"):
                    parameter.Description ??= "An IANA time zone such as Europe/Berlin; default: the organizer's.";
                    break;
                case (ParameterLocation.Query, "token") when path.StartsWith("/api/organizers/", StringComparison.Ordinal):
                    parameter.Description ??= "The secret in the feed's URL (from the 201 of createCalendarFeed).";
                    break;
                case (ParameterLocation.Query, "token"):
                    parameter.Description ??= "The booking's manage token (from the 201 of createBooking), for callers without a bearer token.";
                    break;
                case (ParameterLocation.Query, "status") when schema is not null:
                    schema.Enum = [.. Enum.GetNames<BookingStatus>().Select(n => (JsonNode)n)];
                    parameter.Description ??= "Only bookings with this status.";
                    break;
                case (ParameterLocation.Query, "role") when schema is not null:
                    schema.Enum = ["organizer", "booker"];
                    parameter.Description ??= "organizer (default): bookings on the caller's calendar; booker: the caller's own bookings.";
                    break;
                case (ParameterLocation.Query, "past"):
                    parameter.Schema = new OpenApiSchema { Type = JsonSchemaType.Boolean, Default = false };
                    parameter.Description ??= "true: only bookings that have ended, most recent first (from/to still narrow them by start).";
                    break;
                case (ParameterLocation.Query, "cancelBookings"):
                    parameter.Description ??= "true: cancel the future active bookings too (their bookers are notified).";
                    break;
                case (ParameterLocation.Header, "Idempotency-Key") when schema is not null:
                    schema.MinLength = 1;
                    schema.MaxLength = Apis.BookingsApi.MaxIdempotencyKeyLength;
                    parameter.Description ??= "A retry with the same key (within 24 h) returns the first answer; reuse it after a 503.";
                    break;
            }
        }
    }

    private static void AddSuccessHeaders(OpenApiOperation operation, string path)
    {
        // Sign-in and a password reset make the browser one the account knows (SignInDevices).
        var remembersDevice = path is "/api/auth/token" or "/api/auth/reset-password";
        var paged = operation.Parameters?.Any(p => p.In == ParameterLocation.Query && p.Name == "cursor") == true;
        foreach (var (status, response) in operation.Responses!)
        {
            if (response is not OpenApiResponse concrete) continue;
            if (status == "201")
                (concrete.Headers ??= new Dictionary<string, IOpenApiHeader>())["Location"] = new OpenApiHeader
                {
                    Description = "The URL of the created resource.",
                    Required = true,
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uri-reference" },
                };
            if (status == "200" && remembersDevice)
                (concrete.Headers ??= new Dictionary<string, IOpenApiHeader>())["Set-Cookie"] = new OpenApiHeader
                {
                    Description = $"`{SignInDevices.CookiePrefix}…` (one per account): HttpOnly, SameSite=Strict, Path={SignInDevices.CookiePath}, 30 days. "
                        + "Sent back with later sign-ins to this account, it gives this client a failed-sign-in budget of its own, "
                        + "so others' failures cannot make it wait; a new password ends it.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                };
            if (status == "200" && paged)
                (concrete.Headers ??= new Dictionary<string, IOpenApiHeader>())["Link"] = new OpenApiHeader
                {
                    Description = "RFC 8288 `<url>; rel=\"next\"` when there are more items: fetch that URL for the next page. Absent on the last page.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                };
        }
    }

    private static OpenApiResponse ProblemResponse(int status, IReadOnlyList<string> tokens, OpenApiDocument? document)
    {
        var text = new StringBuilder("Problem details (RFC 9457); `type` is one of:");
        foreach (var token in tokens) text.Append($"\n- `{Problems.TypeOf(token)}`: {Problems.Catalog[token].Title}");
        var media = new OpenApiMediaType
        {
            Schema = new OpenApiSchemaReference(ProblemSchema, document),
            Examples = tokens.ToDictionary(token => token, token => (IOpenApiExample)new OpenApiExample
            {
                Summary = Problems.Catalog[token].Title,
                Value = new JsonObject
                {
                    ["type"] = Problems.TypeOf(token),
                    ["title"] = Problems.Catalog[token].Title,
                    ["status"] = status,
                },
            }),
        };
        var response = new OpenApiResponse
        {
            Description = text.ToString(),
            Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = media },
            Extensions = new Dictionary<string, IOpenApiExtension>
            {
                [ProblemTypesExtension] = new JsonNodeExtension(new JsonArray([.. tokens.Select(t => (JsonNode)Problems.TypeOf(t))])),
            },
        };
        if (status is 503 or 429)
            response.Headers = new Dictionary<string, IOpenApiHeader>
            {
                ["Retry-After"] = new OpenApiHeader
                {
                    Description = status == 503
                        ? "Seconds to wait before retrying (with the same Idempotency-Key)."
                        : "Seconds until the limit lets this request through again.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "0" },
                },
            };
        return response;
    }

    [GeneratedRegex(@"\{([A-Za-z0-9_]+)(:[^}]*)?\}")]
    private static partial Regex RouteConstraint();
}
