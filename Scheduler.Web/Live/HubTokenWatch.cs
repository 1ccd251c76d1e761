using Microsoft.AspNetCore.SignalR;

namespace Scheduler.Web.Live;

/// <summary>
/// The hub connections of this front end and the access token each was opened with. A token is
/// checked when a connection opens; this keeps checking it while the connection stays open.
/// </summary>
public sealed class HubConnections(IConfiguration config)
{
    public sealed record Entry(Guid UserId, Guid TokenId, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt, HubCallerContext Context);

    /// <summary>
    /// How many connections one user may hold open on this front end (<c>SCHEDULER_HUB_CONNECTIONS_PER_USER</c>,
    /// default 20: a dashboard per tab and device). Each costs memory and a token check per round, and
    /// one stolen or scripted token must not open thousands.
    /// </summary>
    public int PerUserLimit { get; } =
        int.TryParse(config["SCHEDULER_HUB_CONNECTIONS_PER_USER"], out var limit) && limit > 0 ? limit : 20;

    private readonly Dictionary<string, Entry> _open = [];
    private readonly Dictionary<Guid, int> _perUser = [];
    private readonly Lock _gate = new();

    /// <summary>Registers the connection; false (nothing registered) when its user holds <see cref="PerUserLimit"/> already.</summary>
    public bool TryOpen(Entry entry)
    {
        lock (_gate)
        {
            var count = _perUser.GetValueOrDefault(entry.UserId);
            if (count >= PerUserLimit) return false;
            _perUser[entry.UserId] = count + 1;
            _open[entry.Context.ConnectionId] = entry;
            return true;
        }
    }

    public void Closed(string connectionId)
    {
        lock (_gate)
        {
            if (!_open.Remove(connectionId, out var entry)) return;
            if (_perUser[entry.UserId] <= 1) _perUser.Remove(entry.UserId);
            else _perUser[entry.UserId]--;
        }
    }

    /// <summary>A copy of the open connections.</summary>
    public IReadOnlyList<Entry> Open
    {
        get { lock (_gate) return [.. _open.Values]; }
    }
}

/// <summary>
/// Closes hub connections whose token has expired or was revoked (one token, "sign out everywhere",
/// a new password): at once when the user's grain reports a revocation through the live relay
/// (<see cref="CheckUserAsync"/>), and in any case within <c>SCHEDULER_HUB_TOKEN_CHECK</c> (default
/// 10 s, the backstop for expiry and for a report lost with a relay): the same check as every
/// API request (<see cref="IUserGrain.AcceptsToken"/>, answered from the user grain's memory). Without
/// it an open WebSocket kept hearing a user's bookings after its token stopped opening anything else.
/// A check the cluster cannot answer leaves the connection open until the next round.
/// </summary>
public sealed class HubTokenWatch(HubConnections connections, IGrainFactory grains, TimeProvider clock, IConfiguration config,
    ILogger<HubTokenWatch> logger) : BackgroundService
{
    public TimeSpan Interval { get; } =
        TimeSpan.TryParse(config["SCHEDULER_HUB_TOKEN_CHECK"], System.Globalization.CultureInfo.InvariantCulture, out var interval) && interval > TimeSpan.Zero
            ? interval
            : TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
            await CheckAsync(connections.Open);
    }

    /// <summary>At once, for one user whose tokens changed (the cluster says so through the live relay).</summary>
    public Task CheckUserAsync(Guid userId) => CheckAsync(connections.Open.Where(e => e.UserId == userId));

    private async Task CheckAsync(IEnumerable<HubConnections.Entry> entries)
    {
        var now = clock.GetUtcNow();
        foreach (var entry in entries)
        {
            bool accepted;
            try
            {
                accepted = entry.ExpiresAt > now && await grains.GetGrain<IUserGrain>(entry.UserId).AcceptsToken(entry.TokenId, entry.IssuedAt);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Could not check the token of hub connection {ConnectionId}; checking again next round", entry.Context.ConnectionId);
                continue;
            }
            if (accepted) continue;
            logger.LogInformation("Closing hub connection {ConnectionId}: its token expired or was revoked", entry.Context.ConnectionId);
            connections.Closed(entry.Context.ConnectionId);
            entry.Context.Abort();
        }
    }
}
