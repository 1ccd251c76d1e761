using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Runtime;
using OpenTelemetry.Metrics;
using Orleans.Storage;
using Scheduler.Database;
using Scheduler.Web.Apis;
using Scheduler.Web.Live;
using Scheduler.Web.Mail;

namespace Scheduler.Web.Hosting;

public static class WebConfiguration
{
    public const string DefaultUrls = "http://127.0.0.1:5080";

    /// <summary>The largest request body accepted (the largest real one, a week of availability rules, is a few KB).</summary>
    public const long MaxRequestBodyBytes = 1024 * 1024;

    /// <summary>Everything the front end needs: Orleans client, JSON, problem details, auth.</summary>
    public static WebApplicationBuilder AddSchedulerWeb(this WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        var connectionString = config["SCHEDULER_DB"];
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new InvalidOperationException("SCHEDULER_DB (an Npgsql connection string) is not set. Start the system with ./run.sh.");

        var dashboard = OrleansDashboardSettings.Read(config);
        var listen = (config["SCHEDULER_URLS"] is { Length: > 0 } urls ? urls : DefaultUrls).Split(';', ',').ToList();
        if (dashboard.Enabled) listen.Add(dashboard.ListenUrl);
        builder.WebHost.UseUrls([.. listen]);
        // No "Server: Kestrel": nothing to tell a scanner. API bodies are small; the limit answers 413 early.
        builder.WebHost.ConfigureKestrel(o =>
        {
            o.AddServerHeader = false;
            o.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
        });

        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = config["SCHEDULER_CLUSTER_ID"] ?? "scheduler";
                o.ServiceId = "scheduler";
            });
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = SchedulerDatabase.AdoNetInvariant;
                // A front end only reads the gateway list: a few connections are plenty.
                o.ConnectionString = new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 4 }.ConnectionString;
            });
            // Silos come and go: look for new gateways often, and keep trying at start-up.
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(10));
            var attempts = 0;
            client.UseConnectionRetryFilter(async (_, ct) =>
            {
                if (++attempts > 120) return false;
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
                return true;
            });
            // The Orleans Dashboard's client side (its grains run in the silos), for operators only: OrleansDashboardAccess.
            if (dashboard.Enabled) client.AddDashboard();
        });

        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
            o.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip;
        });
        services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            var status = problem.Status ?? context.HttpContext.Response.StatusCode;
            // Framework-made problems (bad JSON, unknown route, missing token) get our stable types.
            if (problem.Type is null || !problem.Type.StartsWith(Problems.TypePrefix, StringComparison.Ordinal))
            {
                var token = Problems.TokenForStatus(status);
                problem.Type = Problems.TypeOf(token);
                problem.Title = Problems.Catalog[token].Title;
            }
            if (context.Exception is { } e && status == 400) problem.Detail ??= e.Message;
        });
        services.AddExceptionHandler<RetryableExceptionHandler>();
        // A query value or body field that cannot be bound (limit=abc, a string where a number goes)
        // throws in every environment, so the handler above answers it with its detail, as in
        // Development, instead of an empty 400 turned into a problem without one.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddSchedulerOpenApi();
        services.AddPublicCompression();

        // Metrics for Prometheus at /metrics (loopback callers and SCHEDULER_METRICS_TOKEN: MetricsAccess): the
        // front end's HTTP server, its Orleans client, the engine's meters.
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(SchedulerMetricsNames.All)
            .AddPrometheusExporter());

        services.AddSignalR().AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        services.AddHostedService<LiveRelayClient>();
        services.AddSingleton<HubConnections>();
        services.AddSingleton<HubTokenWatch>();
        services.AddHostedService(s => s.GetRequiredService<HubTokenWatch>());
        services.AddSingleton<SigningKeys>();
        services.AddHostedService<SigningKeyLoader>();
        services.AddSingleton<AccessTokens>();
        services.AddSingleton<IPasswordHasher<UserProfile>, PasswordHasher<UserProfile>>();
        services.AddSingleton<OrganizerDirectory>();
        services.AddSingleton<BookingAccess>();
        services.AddSingleton(MailSettings.Read(config));
        services.AddSingleton<IMailer, SmtpMailer>();
        services.AddSingleton(PublicUrl.From(config, DefaultUrls));
        services.AddSingleton<EmailVerifications>();
        services.AddSingleton<PasswordResets>();
        services.AddHostedService(s => s.GetRequiredService<PasswordResets>());
        services.AddSingleton<BookingMails>();
        services.AddHostedService(s => s.GetRequiredService<BookingMails>());
        services.AddHostedService<MailRelayClient>();
        services.AddSingleton<BookingLinks>();
        services.AddHostedService(s => s.GetRequiredService<BookingLinks>());
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<SigningKeys>(AccessTokens.Configure);
        services.AddAuthorization();
        services.AddOrleansDashboardAccess(dashboard);
        services.AddSchedulerRateLimits(config);
        services.AddTrustedProxies(config);
        return builder;
    }

    /// <summary>
    /// Authorization in one place: every endpoint must say who may call it — signed-in callers
    /// (<c>RequireAuthorization</c>) or anyone (<c>AllowAnonymous</c>) — or the application refuses to
    /// start. Handlers then reach data only through the caller's own grains (calendar, inbox, user) or
    /// <see cref="BookingAccess"/>, so nobody can name someone else's data: it reads as not found.
    /// (A fallback policy would do the first half too, but it also gates the framework's own 405/415
    /// answers, turning "wrong content type" into a misleading 401.)
    /// </summary>
    private static void RequireDeclaredAccess(WebApplication app)
    {
        var undeclared = ((IEndpointRouteBuilder)app).DataSources
            .SelectMany(source => source.Endpoints)
            .Where(e => e.Metadata.GetMetadata<IAllowAnonymous>() is null && e.Metadata.GetMetadata<IAuthorizeData>() is null)
            .Select(e => e.DisplayName)
            .ToList();
        if (undeclared.Count > 0)
            throw new InvalidOperationException("Endpoints must declare RequireAuthorization or AllowAnonymous: " + string.Join(", ", undeclared));
    }

    public static WebApplication MapScheduler(this WebApplication app)
    {
        app.UseTrustedProxies();
        app.UseHeadAsGet();
        app.UseSecurityHeaders();
        app.UseExceptionHandler();
        // Statuses the framework sets without a body (unknown route, 405, 401 challenge, 403) get a
        // problem+json body with our type, whatever Accept says: every error has one shape.
        app.UseStatusCodePages(context =>
        {
            var status = context.HttpContext.Response.StatusCode;
            var problem = Problems.Create(Problems.TokenForStatus(status));
            problem.Status = status;
            return Problems.WriteAsync(context.HttpContext, problem);
        });
        app.UseRequestBodyLimit();
        app.UseKnownCharset();
        app.UsePublicCompression();
        // Static pages and assets are public: served before authentication and authorization run.
        app.UsePageAssets();
        // Routing here, not first (WebApplication's default): after HEAD became GET.
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseHubRequestProblems();
        app.UseMetricsAccess();

        app.MapSchedulerOpenApi();
        app.MapPrometheusScrapingEndpoint("/metrics").WithMetadata(new HttpMethodMetadata(["GET"]), new MetricsAccess.Marker()).AllowAnonymous();
        app.MapHealthApi();
        app.MapUsersApi();
        app.MapCalendarFeedApi();
        app.MapEventTypesApi();
        app.MapAvailabilityApi();
        app.MapBookingsApi();
        app.MapEventsApi();
        app.MapNotificationsApi();
        // WebSockets only: on long polling and server-sent events every request names the connection by
        // its token and the framework takes the user of whichever request comes, so anyone holding a
        // leaked connection token could read another user's stream with their own bearer token.
        app.MapHub<NotificationsHub>(NotificationsHub.Path, o => o.Transports = HttpTransportType.WebSockets);
        app.MapProblemTypesApi();
        app.MapPages();
        app.MapOrleansDashboardIfEnabled();
        RequireDeclaredAccess(app);
        return app;
    }
}

public static class RequestBodyLimit
{
    /// <summary>
    /// Refuses a request whose declared body is larger than <see cref="WebConfiguration.MaxRequestBodyBytes"/>
    /// before anything reads it: 413 problem+json (Kestrel enforces the same limit on bodies sent without a length).
    /// </summary>
    public static WebApplication UseRequestBodyLimit(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (context.Request.ContentLength > WebConfiguration.MaxRequestBodyBytes)
            {
                context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                context.Response.Headers.Connection = "close";
                var problem = Problems.Create("too-large", $"Request bodies are at most {WebConfiguration.MaxRequestBodyBytes} bytes.");
                await Problems.WriteAsync(context, problem);
                return;
            }
            await next(context);
        });
        return app;
    }
}

public static class HeadAsGet
{
    /// <summary>
    /// HEAD answers as GET would, without the body (RFC 9110): monitors probe /healthz and pages with
    /// it, and the endpoints are mapped for GET only. The request runs as a GET whose body is thrown
    /// away; Kestrel sees HEAD again when the response starts, so it sends no body either.
    /// </summary>
    public static WebApplication UseHeadAsGet(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (!HttpMethods.IsHead(context.Request.Method))
            {
                await next(context);
                return;
            }
            var body = context.Response.Body;
            context.Request.Method = HttpMethods.Get;
            context.Response.Body = Stream.Null;
            try
            {
                await next(context);
            }
            finally
            {
                context.Request.Method = HttpMethods.Head;
                context.Response.Body = body;
            }
        });
        return app;
    }
}

public static class KnownCharset
{
    /// <summary>
    /// A body's declared charset, before anything reads it: a quoted one (<c>charset="utf-8"</c>, valid
    /// HTTP) is unquoted, and one .NET cannot decode (<c>charset=bogus</c>, <c>utf-7</c>, empty) is
    /// refused with 415 problem+json. ASP.NET Core's JSON reader would otherwise throw an
    /// InvalidOperationException for either, which is a 500.
    /// </summary>
    public static WebApplication UseKnownCharset(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            var contentType = context.Request.ContentType;
            // What every booking request sends costs no parse.
            if (contentType is not null && contentType.Contains("charset", StringComparison.OrdinalIgnoreCase)
                && !contentType.Equals("application/json; charset=utf-8", StringComparison.OrdinalIgnoreCase))
            {
                if (!MediaTypeHeaderValue.TryParse(contentType, out var media))
                {
                    await Refuse(context, "The Content-Type header cannot be parsed.");
                    return;
                }
                if (media.Charset.HasValue)
                {
                    var charset = HeaderUtilities.RemoveQuotes(media.Charset).ToString();
                    if (!Decodable(charset))
                    {
                        await Refuse(context, "Unknown charset: send the body as UTF-8.");
                        return;
                    }
                    if (charset != media.Charset.Value)
                    {
                        media.Charset = charset;
                        context.Request.ContentType = media.ToString();
                    }
                }
            }
            await next(context);
        });
        return app;
    }

    private static bool Decodable(string charset)
    {
        if (charset.Length == 0) return false;
        try
        {
            // What the JSON reader looks the charset up with.
            return System.Text.Encoding.GetEncoding(charset) is not null;
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            // Unknown names, and UTF-7 (disabled in .NET: NotSupportedException).
            return false;
        }
    }

    private static Task Refuse(HttpContext context, string detail) =>
        Problems.WriteAsync(context, Problems.Create("unsupported-media-type", detail));
}

/// <summary>
/// Errors whose outcome is unknown (a failed or conflicting state write, a silo that went away)
/// become 503 + Retry-After with problem type <c>retry</c>; bad request bodies become 400.
/// </summary>
public sealed class RetryableExceptionHandler(ILogger<RetryableExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        string token;
        string? detail = null;
        if (exception is BadHttpRequestException bad)
        {
            // Kestrel's refusals (body too large, too slow, bad framing) keep their status and get our types.
            token = Problems.TokenForStatus(bad.StatusCode) is var known && known != "internal" ? known : "validation";
            detail = bad.Message;
        }
        else if (IsRetryable(exception))
        {
            token = "retry";
            detail = exception is RetryLaterException ? exception.Message : "The cluster could not complete the request; its outcome is unknown.";
            context.Response.Headers.RetryAfter = "1";
            logger.LogWarning(exception, "Retryable failure on {Path}", context.Request.Path);
        }
        else
        {
            // A bug: 500 internal, as problem+json like every error. Logged here, since a handled
            // exception is not logged by the middleware (.NET 10).
            token = "internal";
            logger.LogError(exception, "Unhandled exception on {Method} {Path}", context.Request.Method, context.Request.Path);
        }
        // Whatever Accept says (the problem-details service alone would write nothing for text/html).
        await Problems.WriteAsync(context, Problems.Create(token, detail));
        return true;
    }

    private static bool IsRetryable(Exception e) => e switch
    {
        RetryLaterException or InconsistentStateException or TimeoutException or SiloUnavailableException
            or OrleansMessageRejectionException or OperationCanceledException or System.Data.Common.DbException => true,
        AggregateException a => a.InnerExceptions.All(IsRetryable),
        _ => e.InnerException is { } inner && IsRetryable(inner),
    };
}

/// <summary>The meters a Scheduler process exports (the engine's, Orleans', ASP.NET Core's).</summary>
public static class SchedulerMetricsNames
{
    public static readonly string[] All =
    [
        "Scheduler", "Microsoft.Orleans", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.Http.Connections", "Npgsql",
    ];
}
