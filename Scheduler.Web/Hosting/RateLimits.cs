using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Scheduler.Web.Hosting;

/// <summary>
/// Abuse limits (configuration section <c>RateLimits</c>, e.g. <c>RateLimits__SignInPerIp=30</c> in the
/// environment). The defaults suit a real deployment; <c>RateLimits:Profile=relaxed</c> multiplies every
/// limit by 1000 (the load tester and the test suite measure the engine, not the limiter). Limits are
/// kept per front end (each process counts its own callers).
/// </summary>
public sealed class RateLimitSettings
{
    /// <summary>How long each window is (all limits are "so many per window").</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary><c>POST /api/auth/token</c> per client IP.</summary>
    public int SignInPerIp { get; set; } = 30;

    /// <summary>Failed sign-ins per account (email) before it is refused until the window passes.</summary>
    public int FailedSignInsPerAccount { get; set; } = 5;

    /// <summary><c>POST /api/users</c> per client IP.</summary>
    public int SignUpPerIp { get; set; } = 10;

    /// <summary>Public slot reads and bookings per client IP.</summary>
    public int PublicPerIp { get; set; } = 120;

    /// <summary>Bookings per organizer (all callers together).</summary>
    public int BookingsPerOrganizer { get; set; } = 600;

    /// <summary>
    /// Booking mails each front end sends per second at most (not scaled by the relaxed profile: it
    /// spares the mail server, whatever the load).
    /// </summary>
    public int MailsPerSecond { get; set; } = 20;

    /// <summary>Booking mails one address gets per <see cref="BookingMailWindow"/> at most, however many bookings name it (not scaled).</summary>
    public int BookingMailsPerAddress { get; set; } = 10;

    public TimeSpan BookingMailWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Booking mails one organizer's bookings cause per <see cref="BookingMailWindow"/> at most, to everyone together (not scaled).</summary>
    public int BookingMailsPerOrganizer { get; set; } = 300;

    /// <summary>Fetches of one organizer's calendar feed, by everyone together (a calendar app asks every 15 minutes or so).</summary>
    public int CalendarFeedFetchesPerOrganizer { get; set; } = 30;

    public string Profile { get; set; } = "default";

    public int Scaled(int limit) => string.Equals(Profile, "relaxed", StringComparison.OrdinalIgnoreCase) ? limit * 1000 : limit;
}

public static class RateLimits
{
    public const string SignIn = "sign-in";
    public const string SignUp = "sign-up";
    public const string Public = "public";

    public static IServiceCollection AddSchedulerRateLimits(this IServiceCollection services, IConfiguration config)
    {
        var settings = new RateLimitSettings();
        config.GetSection("RateLimits").Bind(settings);
        services.AddSingleton(settings);
        services.AddSingleton<AccountThrottle>();
        services.AddSingleton<SignInDevices>();
        services.AddSingleton<OrganizerThrottle>();
        services.AddRateLimiter(o =>
        {
            o.AddPolicy(SignIn, context => PerIp(context, settings, settings.SignInPerIp));
            o.AddPolicy(SignUp, context => PerIp(context, settings, settings.SignUpPerIp));
            o.AddPolicy(Public, context => PerIp(context, settings, settings.PublicPerIp));
            o.OnRejected = (context, cancellationToken) =>
                new ValueTask(WriteTooManyRequests(context.HttpContext,
                    context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : settings.Window));
        });
        return services;
    }

    /// <summary>A fixed-window limit of <paramref name="limit"/> per window (scaled by the profile) for each key.</summary>
    public static PartitionedRateLimiter<TKey> PerKey<TKey>(RateLimitSettings settings, int limit) where TKey : notnull =>
        PartitionedRateLimiter.Create<TKey, TKey>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = settings.Scaled(limit),
            Window = settings.Window,
            QueueLimit = 0,
        }));

    /// <summary>How long a refused lease says to wait (the window when it does not say).</summary>
    public static TimeSpan Wait(RateLimitLease lease, RateLimitSettings settings) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : settings.Window;

    private static RateLimitPartition<string> PerIp(HttpContext context, RateLimitSettings settings, int limit) =>
        RateLimitPartition.GetFixedWindowLimiter(ClientKey(context), _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = settings.Scaled(limit),
            Window = settings.Window,
            QueueLimit = 0,
        });

    /// <summary>
    /// The client's address (behind a reverse proxy, list it in <c>SCHEDULER_TRUSTED_PROXIES</c> so this
    /// is the client's). IPv6 clients count by their /64: one subscriber usually holds a whole /64, and
    /// counting each of its addresses apart would let them step around every limit.
    /// </summary>
    public static string ClientKey(HttpContext context)
    {
        if (context.Connection.RemoteIpAddress is not { } address) return "unknown";
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6 || System.Net.IPAddress.IsLoopback(address)) return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new System.Net.IPAddress(bytes) + "/64";
    }

    /// <summary>Sets <c>Retry-After</c> to the wait in whole seconds, at least 1; returns those seconds.</summary>
    public static int SetRetryAfter(HttpContext context, TimeSpan wait)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return seconds;
    }

    /// <summary>429 problem+json with <c>Retry-After</c> (whole seconds, at least 1).</summary>
    public static async Task WriteTooManyRequests(HttpContext context, TimeSpan retryAfter)
    {
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        var seconds = SetRetryAfter(context, retryAfter);
        var problem = Problems.Create("rate-limited", $"Too many requests: retry in {seconds} s.");
        await Problems.WriteAsync(context, problem);
    }
}

/// <summary>
/// Back-off per account: each failed sign-in uses a permit; when they are used up, sign-ins for that
/// address (right password or not) are refused until the window passes, so guessing is slowed to
/// <see cref="RateLimitSettings.FailedSignInsPerAccount"/> per window whatever the number of IPs.
/// A browser the account has signed in from (<see cref="SignInDevices"/>) has a budget of its own
/// instead, so strangers failing on purpose cannot lock the owner out of their own browser.
/// </summary>
public sealed class AccountThrottle(RateLimitSettings settings) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _failures = RateLimits.PerKey<string>(settings, settings.FailedSignInsPerAccount);

    private static string Key(string account, Guid? device) => device is { } d ? "device " + d.ToString("N") : "account " + account;

    /// <summary>Null if the account may try (from <paramref name="device"/>, if it is one the account knows); else how long until it may.</summary>
    public TimeSpan? Blocked(string account, Guid? device)
    {
        using var probe = _failures.AttemptAcquire(Key(account, device), 0);
        return probe.IsAcquired ? null : RateLimits.Wait(probe, settings);
    }

    public void Failed(string account, Guid? device)
    {
        using var _ = _failures.AttemptAcquire(Key(account, device), 1);
    }

    public void Dispose() => _failures.Dispose();
}

/// <summary>
/// Limits per organizer, all callers together: bookings (one organizer's page cannot be flooded into
/// the whole cluster's work) and calendar-feed fetches (a leaked feed address cannot make the cluster
/// list one calendar as fast as it can; made-up feed secrets never reach the cluster, CalendarFeedApi
/// checks their MAC).
/// </summary>
public sealed class OrganizerThrottle(RateLimitSettings settings) : IDisposable
{
    private readonly PartitionedRateLimiter<Guid> _bookings = RateLimits.PerKey<Guid>(settings, settings.BookingsPerOrganizer);
    private readonly PartitionedRateLimiter<Guid> _feedFetches = RateLimits.PerKey<Guid>(settings, settings.CalendarFeedFetchesPerOrganizer);

    /// <summary>Null if the booking may go ahead (a permit is used); else how long until it may.</summary>
    public TimeSpan? TryBook(Guid organizerId) => Take(_bookings, organizerId);

    /// <summary>Null if the organizer's calendar feed may be listed now (a permit is used); else how long until it may.</summary>
    public TimeSpan? TryFetchFeed(Guid organizerId) => Take(_feedFetches, organizerId);

    private TimeSpan? Take(PartitionedRateLimiter<Guid> limiter, Guid organizerId)
    {
        using var lease = limiter.AttemptAcquire(organizerId, 1);
        return lease.IsAcquired ? null : RateLimits.Wait(lease, settings);
    }

    public void Dispose()
    {
        _bookings.Dispose();
        _feedFetches.Dispose();
    }
}
