using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Scheduler.Web.Hosting;

/// <summary>
/// Who may read the front end's <c>/metrics</c>: callers on this machine (loopback, as the silo's own
/// endpoint only listens there), and callers presenting <c>SCHEDULER_METRICS_TOKEN</c> as a bearer token
/// (Prometheus' <c>authorization</c> setting). Anyone else gets 404, as for a path that does not exist:
/// the counters describe everyone's traffic (down to which addresses asked for a password reset).
/// Behind a reverse proxy on the same machine every caller looks local: configure forwarded headers, or
/// set the token and have the proxy refuse <c>/metrics</c>.
/// </summary>
public static class MetricsAccess
{
    /// <summary>Endpoint metadata that marks the Prometheus endpoint.</summary>
    public sealed class Marker;

    public static WebApplication UseMetricsAccess(this WebApplication app)
    {
        var configured = app.Configuration["SCHEDULER_METRICS_TOKEN"];
        byte[]? token = string.IsNullOrEmpty(configured) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(configured));
        app.Use(async (context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<Marker>() is null || Allows(context, token))
            {
                await next(context);
                return;
            }
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            await Problems.WriteAsync(context, Problems.Create("not-found"));
        });
        return app;
    }

    private static bool Allows(HttpContext context, byte[]? token)
    {
        if (context.Connection.RemoteIpAddress is { } ip && IPAddress.IsLoopback(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip)) return true;
        if (token is null) return false;
        var header = context.Request.Headers.Authorization.ToString();
        const string prefix = "Bearer ";
        if (!header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) return false;
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(header[prefix.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(presented, token);
    }
}
