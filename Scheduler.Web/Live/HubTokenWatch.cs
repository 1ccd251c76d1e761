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
/// (<see cref="Report"/>), and in any case within <c>SCHEDULER_HUB_TOKEN_CHECK</c> (default
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

    // Users whose tokens changed, as the cluster reports them. Bounded: when full a report is dropped,
    // and the next round catches what it would have.
    private readonly System.Threading.Channels.Channel<Guid> _reported =
        System.Threading.Channels.Channel.CreateBounded<Guid>(new System.Threading.Channels.BoundedChannelOptions(10_000)
        {
            FullMode = System.Threading.Channels.BoundedChannelFullMode.DropWrite,
            SingleReader = true,
        });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reports = CheckReportedAsync(stoppingToken);
        using var timer = new PeriodicTimer(Interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
            await CheckAsync(connections.Open);
        await reports;
    }

    /// <summary>
    /// A user's tokens changed (the cluster says so through the live relay): their connections are
    /// checked soon, off the caller's thread. Never waits: the live relay's observer delivers every
    /// push of this front end one call at a time, and must not wait on grain calls.
    /// </summary>
    public void Report(Guid userId) => _reported.Writer.TryWrite(userId);

    private async Task CheckReportedAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _reported.Reader.WaitToReadAsync(stoppingToken))
            {
                var users = new HashSet<Guid>();
                while (_reported.Reader.TryRead(out var user)) users.Add(user);
                await CheckAsync(connections.Open.Where(e => users.Contains(e.UserId)));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Checks the connections side by side; closes those whose token no longer counts.</summary>
    private Task CheckAsync(IEnumerable<HubConnections.Entry> entries)
    {
        var now = clock.GetUtcNow();
        return Task.WhenAll(entries.Select(entry => CheckOneAsync(entry, now)));
    }

    private async Task CheckOneAsync(HubConnections.Entry entry, DateTimeOffset now)
    {
        bool accepted;
        try
        {
            accepted = entry.ExpiresAt > now && await grains.GetGrain<IUserGrain>(entry.UserId).AcceptsToken(entry.TokenId, entry.IssuedAt);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not check the token of hub connection {ConnectionId}; checking again next round", entry.Context.ConnectionId);
            return;
        }
        if (accepted) return;
        logger.LogInformation("Closing hub connection {ConnectionId}: its token expired or was revoked", entry.Context.ConnectionId);
        connections.Closed(entry.Context.ConnectionId);
        entry.Context.Abort();
    }
}
