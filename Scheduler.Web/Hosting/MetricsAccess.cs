using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Scheduler.Web.Hosting;

/// <summary>
/// Who may read the front end's <c>/metrics</c>: callers on this machine (loopback, as the silo's own
/// endpoint only listens there), and callers presenting <c>SCHEDULER_METRICS_TOKEN</c> as a bearer token
/// (Prometheus' <c>authorization</c> setting). Anyone else gets 404, as for a path that does not exist:
/// the counters describe everyone's traffic (down to which addresses asked for a password reset).
/// A proxy on the same machine forwarding someone else's request does not make it local when the proxy
/// is listed in <c>SCHEDULER_TRUSTED_PROXIES</c>; unlisted, every caller through it looks local, so list
/// it (or have it refuse <c>/metrics</c>).
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
            // By endpoint, and by path too: a method other than GET matches no endpoint, and its 405 would tell the path exists.
            var metrics = context.GetEndpoint()?.Metadata.GetMetadata<Marker>() is not null
                || string.Equals(context.Request.Path.Value?.TrimEnd('/'), "/metrics", StringComparison.OrdinalIgnoreCase);
            if (!metrics || Allows(context, token))
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
        if (TrustedProxies.IsLocal(context)) return true;
        if (token is null) return false;
        var header = context.Request.Headers.Authorization.ToString();
        const string prefix = "Bearer ";
        if (!header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) return false;
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(header[prefix.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(presented, token);
    }
}
