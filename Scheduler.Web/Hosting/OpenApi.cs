using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Scheduler.Web.Hosting;

/// <summary>
/// The OpenAPI document (/openapi/v1.json), generated from the endpoints' typed results and XML
/// docs and completed by transformers: <see cref="OpenApiOperations"/> (operation ids, security,
/// problem responses per status, headers), <see cref="OpenApiSchemas"/> (formats, enums, limits) and
/// the document-level parts below (security schemes, the ProblemDetails schema, server URL,
/// summaries). Plus a browsable reference (/docs). Client generators (Kiota, openapi-typescript)
/// and Redocly's recommended lint rules accept it; the tests check both.
/// </summary>
public static class OpenApi
{
    public static IServiceCollection AddSchedulerOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            options.AddOperationTransformer<OpenApiOperations>();
            options.AddSchemaTransformer<OpenApiSchemas>();
            options.AddDocumentTransformer((document, context, _) =>
            {
                Complete(document);
                // Where the deployment says it lives (SCHEDULER_PUBLIC_URL, as mailed links do), not
                // the Host the request claims: a cached or shared copy of the document must not send
                // a generated client to whichever host a requester wrote.
                if (!string.IsNullOrEmpty(context.ApplicationServices.GetRequiredService<IConfiguration>()["SCHEDULER_PUBLIC_URL"]))
                    document.Servers = [new OpenApiServer { Url = context.ApplicationServices.GetRequiredService<Scheduler.Web.Mail.PublicUrl>().Base }];
                return Task.CompletedTask;
            });
        });

    /// <summary>The document's route: <c>/openapi/v1.json</c>, the one name the generator serves.</summary>
    public const string DocumentRoute = "/openapi/{documentName:regex(^v1$)}.json";

    public static WebApplication MapSchedulerOpenApi(this WebApplication app)
    {
        // Only the document there is: another name is the usual 404 problem, not the generator's text/plain.
        app.MapOpenApi(DocumentRoute).AllowAnonymous();
        // No fonts from Scalar's CDN: the page's CSP allows this origin only (SecurityHeaders).
        app.MapScalarApiReference("/docs", o => o
            .WithTitle("Scheduler API")
            .AddPreferredSecuritySchemes(OpenApiOperations.BearerScheme)
            .DisableDefaultFonts())
            .AllowAnonymous();
        return app;
    }

    private static void Complete(OpenApiDocument document)
    {
        document.Info.Title = "Scheduler API";
        document.Info.Description = Describe();
        document.Info.License = new OpenApiLicense { Name = "MIT", Identifier = "MIT" };
        // The generator writes the request's base URL with a trailing slash; paths start with one.
        foreach (var server in document.Servers ?? [])
            server.Url = server.Url?.TrimEnd('/');

        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[OpenApiOperations.BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "The accessToken from issueToken (POST /api/auth/token), valid for an hour unless the deployment sets SCHEDULER_TOKEN_LIFETIME (its expiresIn says how long).",
        };
        document.Components.SecuritySchemes[OpenApiOperations.ManageTokenScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Query,
            Name = "token",
            Description = "A booking's manageToken (from createBooking's 201): lets its booker read and cancel that one booking without signing in.",
        };
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas[OpenApiOperations.ProblemSchema] = ProblemDetailsSchema();

        foreach (var operation in document.Paths.Values.SelectMany(p => (IEnumerable<OpenApiOperation>?)p.Operations?.Values ?? []))
            SplitSummary(operation);
        document.Tags = new HashSet<OpenApiTag>(
            document.Paths.Values.SelectMany(p => (IEnumerable<OpenApiOperation>?)p.Operations?.Values ?? []).SelectMany(o => o.Tags ?? new HashSet<OpenApiTagReference>())
                .Select(t => t.Name).OfType<string>().Distinct().Order()
                .Select(name => new OpenApiTag { Name = name, Description = TagDescription(name) }));
    }

    /// <summary>
    /// XML doc summaries become the operation's description; its first sentence (one line) the summary,
    /// so generated method docs and the reference's navigation stay short.
    /// </summary>
    private static void SplitSummary(OpenApiOperation operation)
    {
        var text = string.Join(' ', (operation.Description ?? operation.Summary ?? operation.OperationId ?? "")
            .Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        var end = text.IndexOf(". ", StringComparison.Ordinal);
        operation.Summary = (end < 0 ? text : text[..(end + 1)]).TrimEnd('.');
        operation.Description = text;
    }

    private static string TagDescription(string tag) => tag switch
    {
        "Users" => "Sign up, sign in (bearer tokens) and the signed-in user's profile.",
        "Event types" => "What can be booked, and its free slots.",
        "Availability" => "The organizer's weekly rules, in local times of their zone.",
        "Bookings" => "Booking a slot (anonymously or signed in), listing, confirming and cancelling.",
        "Events" => "Concrete occurrences on the organizer's calendar.",
        "Notifications" => "The caller's inbox.",
        "Health" => "Whether the front end reaches the cluster.",
        _ => tag,
    };

    private static OpenApiSchema ProblemDetailsSchema() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "RFC 9457 problem details. Switch on `type`: `/problems/<token>`, one of the tokens in the API description.",
        Required = new HashSet<string> { "type", "title", "status" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uri-reference", Description = "`/problems/<token>`; that URL serves a short description." },
            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
            ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
            ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
            ["errors"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "With `validation`: the fields to fix, each with its messages.",
                AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
            },
        },
    };

    private static string Describe()
    {
        var text = new StringBuilder("""
            Appointment scheduling: sign up, publish event types and weekly availability, and take
            bookings that never double-book. Authenticated calls send `Authorization: Bearer <token>`
            (from issueToken); a booking's manage token works as `?token=` on getBooking and cancelBooking.
            Ids are UUIDs; instants are ISO 8601 with an offset.

            Every error is `application/problem+json` (RFC 9457) whose `type` is `/problems/<token>`;
            each operation lists the statuses and tokens it can answer with:

            | token | status | meaning |
            |---|---|---|

            """);
        foreach (var (token, (status, title)) in Problems.Catalog)
            text.Append($"| `{token}` | {status} | {title} |\n");
        return text.ToString();
    }
}
