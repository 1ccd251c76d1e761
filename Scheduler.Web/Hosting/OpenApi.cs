using System.Text;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Scheduler.Web.Hosting;

/// <summary>
/// The OpenAPI document (/openapi/v1.json), generated from the endpoints' typed results and XML
/// docs, plus a browsable reference (/docs). Every operation documents its errors as RFC 9457
/// problem details, and the document lists every problem type token with its status.
/// </summary>
public static class OpenApi
{
    public static IServiceCollection AddSchedulerOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Scheduler API";
                document.Info.Description = Describe();
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes["Bearer"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    BearerFormat = "JWT",
                    Description = "A token from POST /api/auth/token.",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, _, _) =>
            {
                operation.Responses ??= new OpenApiResponses();
                operation.Responses.TryAdd("default", new OpenApiResponse
                {
                    Description = "An error as RFC 9457 problem details; `type` ends in one of the tokens listed in the API description.",
                    Content = new Dictionary<string, OpenApiMediaType>
                    {
                        ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference("ProblemDetails") },
                    },
                });
                return Task.CompletedTask;
            });
        });

    public static WebApplication MapSchedulerOpenApi(this WebApplication app)
    {
        app.MapOpenApi().AllowAnonymous();
        // No fonts from Scalar's CDN: the page's CSP allows this origin only (SecurityHeaders).
        app.MapScalarApiReference("/docs", o => o.WithTitle("Scheduler API").DisableDefaultFonts()).AllowAnonymous();
        return app;
    }

    private static string Describe()
    {
        var text = new StringBuilder("""
            Appointment scheduling: sign up, publish event types and weekly availability, and take
            bookings that never double-book. Authenticated calls send `Authorization: Bearer <token>`.

            Every error is `application/problem+json` (RFC 9457) whose `type` is `/problems/<token>`:

            | token | status | meaning |
            |---|---|---|

            """);
        foreach (var (token, (status, title)) in Problems.Catalog)
            text.Append($"| `{token}` | {status} | {title} |\n");
        return text.ToString();
    }
}
