using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Orleans.Dashboard;

namespace Scheduler.Web.Hosting;

/// <summary>
/// Where and whether the front end serves the Orleans Dashboard. Off unless
/// <c>SCHEDULER_ORLEANS_DASHBOARD=1</c> (or <c>Scheduler:OrleansDashboard:Enabled=true</c>); when on, it is
/// served at <see cref="Path"/> on an operator listener of its own, <c>127.0.0.1:</c><see cref="Port"/>
/// (<c>SCHEDULER_ORLEANS_DASHBOARD_PORT</c>, default <see cref="DefaultPort"/>).
/// </summary>
public sealed record OrleansDashboardSettings(bool Enabled, int Port)
{
    public const string Path = "/orleans-dashboard";
    public const int DefaultPort = 5090;

    /// <summary>The operator listener: loopback only, whatever SCHEDULER_URLS says.</summary>
    public string ListenUrl => $"http://127.0.0.1:{Port}";

    /// <summary>The address an operator opens (on the front end's machine, or through an SSH tunnel).</summary>
    public string Url => $"{ListenUrl}{Path}/";

    public static OrleansDashboardSettings Read(IConfiguration config) => new(
        config["SCHEDULER_ORLEANS_DASHBOARD"] is "1" or "true" || config.GetValue<bool>("Scheduler:OrleansDashboard:Enabled"),
        config.GetValue<int?>("SCHEDULER_ORLEANS_DASHBOARD_PORT") ?? config.GetValue<int?>("Scheduler:OrleansDashboard:Port") ?? DefaultPort);
}

/// <summary>
/// The Orleans Dashboard (Microsoft.Orleans.Dashboard) for operators. It shows what an attacker would
/// most like to see — silos and their addresses, grain types and keys, call rates, reminders, the front
/// end's live log and grains' state — so it is neither on by default nor reachable from the public
/// listener: every dashboard route requires <see cref="Policy"/>, met only by a request that arrived on
/// the operator listener (bound to 127.0.0.1 alone) from a loopback address. Any other request, whatever
/// token it carries, gets what an unknown path gets: 404 not-found. A reverse proxy in front of the
/// public listener therefore cannot expose it by accident, even one on the same machine.
/// Silos must collect its statistics too (<c>SCHEDULER_ORLEANS_DASHBOARD=1</c> on each; run.sh does both).
/// </summary>
public static class OrleansDashboardAccess
{
    public const string Policy = "orleans-dashboard-operator";

    /// <summary>The dashboard's access policy, when enabled (the Orleans client side: <c>client.AddDashboard()</c>).</summary>
    public static IServiceCollection AddOrleansDashboardAccess(this IServiceCollection services, OrleansDashboardSettings settings)
    {
        services.AddSingleton(settings);
        if (!settings.Enabled) return services;
        services.AddAuthorizationBuilder().AddPolicy(Policy, policy => policy.AddRequirements(new OperatorListener(settings.Port)));
        services.AddSingleton<IAuthorizationHandler, OperatorListenerHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, NotFoundForNonOperators>();
        return services;
    }

    /// <summary>Maps the dashboard's page, assets and data endpoints under <see cref="OrleansDashboardSettings.Path"/>, when enabled.</summary>
    public static WebApplication MapOrleansDashboardIfEnabled(this WebApplication app)
    {
        var settings = app.Services.GetRequiredService<OrleansDashboardSettings>();
        if (!settings.Enabled) return app;
        app.MapOrleansDashboard(OrleansDashboardSettings.Path)
            .RequireAuthorization(Policy)
            .ExcludeFromDescription()
            .AddEndpointFilter((context, next) =>
            {
                context.HttpContext.Response.Headers.ContentSecurityPolicy = SecurityHeaders.OrleansDashboardCsp;
                return next(context);
            });
        app.Logger.LogWarning("The Orleans Dashboard is enabled for operators at {Url} (loopback only)", settings.Url);
        return app;
    }

    /// <summary>The request came in on the operator listener's port, from this machine.</summary>
    public static bool IsOperatorRequest(HttpContext http, int operatorPort) =>
        http.Connection.LocalPort == operatorPort
        && http.Connection.RemoteIpAddress is { } remote
        && IPAddress.IsLoopback(remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote);
}

/// <summary>Met by a request on the operator listener (<paramref name="Port"/>) from a loopback address.</summary>
public sealed record OperatorListener(int Port) : IAuthorizationRequirement;

public sealed class OperatorListenerHandler : AuthorizationHandler<OperatorListener>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, OperatorListener requirement)
    {
        if (context.Resource is HttpContext http && OrleansDashboardAccess.IsOperatorRequest(http, requirement.Port))
            context.Succeed(requirement);
        return Task.CompletedTask;
    }
}

/// <summary>
/// A refused dashboard request answers 404 (the status-code pages write the same not-found problem as
/// for an unknown path) instead of a 401 that would invite a token or a 403 that would confirm the route.
/// Every other refusal is the framework's.
/// </summary>
public sealed class NotFoundForNonOperators : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (!authorizeResult.Succeeded && policy.Requirements.OfType<OperatorListener>().Any())
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }
        return _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
