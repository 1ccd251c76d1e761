using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace Scheduler.Web.Hosting;

/// <summary>
/// Behind a reverse proxy: <c>SCHEDULER_TRUSTED_PROXIES</c> lists the proxies' addresses or networks
/// (<c>10.0.0.5,10.1.0.0/16</c>). Only a request whose connection comes from one of them has its
/// <c>X-Forwarded-For</c> (the client, for the per-IP limits and <c>/metrics</c>) and
/// <c>X-Forwarded-Proto</c> (HTTPS, for cookies' <c>Secure</c>) believed, one hop deep. Without it the
/// headers are ignored. ASP.NET Core's own switch <c>ASPNETCORE_FORWARDEDHEADERS_ENABLED</c> believes
/// them from every caller (anyone could claim to be 127.0.0.1): the front end refuses to start with it.
/// </summary>
public static class TrustedProxies
{
    private const string ConnectionKey = "scheduler.connection-address";

    public static IServiceCollection AddTrustedProxies(this IServiceCollection services, IConfiguration config)
    {
        if (string.Equals(config["FORWARDEDHEADERS_ENABLED"] ?? config["ASPNETCORE_FORWARDEDHEADERS_ENABLED"], "true", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException(
                "ASPNETCORE_FORWARDEDHEADERS_ENABLED believes X-Forwarded-For from every caller; list your proxies in SCHEDULER_TRUSTED_PROXIES instead.");
        var listed = Parse(config["SCHEDULER_TRUSTED_PROXIES"]);
        services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var (address, network) in listed)
            {
                if (address is not null) o.KnownProxies.Add(address);
                if (network is { } n) o.KnownIPNetworks.Add(n);
            }
        });
        return services;
    }

    /// <summary>Remembers the connection's own address, then applies the trusted proxies' headers (if any are configured).</summary>
    public static WebApplication UseTrustedProxies(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            context.Items[ConnectionKey] = context.Connection.RemoteIpAddress;
            return next(context);
        });
        if (!string.IsNullOrWhiteSpace(app.Configuration["SCHEDULER_TRUSTED_PROXIES"])) app.UseForwardedHeaders();
        return app;
    }

    /// <summary>Whether the request came over a loopback connection from a loopback client (a proxy on this machine forwarding someone else's request does not count).</summary>
    public static bool IsLocal(HttpContext context)
    {
        static bool Loopback(IPAddress? ip) => ip is not null && IPAddress.IsLoopback(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip);
        var connection = context.Items.TryGetValue(ConnectionKey, out var saved) ? saved as IPAddress : context.Connection.RemoteIpAddress;
        return Loopback(connection) && Loopback(context.Connection.RemoteIpAddress);
    }

    private static List<(IPAddress? Address, System.Net.IPNetwork? Network)> Parse(string? value)
    {
        var entries = new List<(IPAddress?, System.Net.IPNetwork?)>();
        foreach (var part in (value ?? "").Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (part.Contains('/') && System.Net.IPNetwork.TryParse(part, out var network)) entries.Add((null, network));
            else if (IPAddress.TryParse(part, out var address)) entries.Add((address, null));
            else throw new InvalidOperationException($"SCHEDULER_TRUSTED_PROXIES: '{part}' is neither an IP address nor a network (address/prefix).");
        }
        return entries;
    }
}
