using Microsoft.AspNetCore.SignalR;
using Scheduler.Web.Apis;

namespace Scheduler.Web.Live;

/// <summary>What <c>BookingChanged</c> carries: the booking as the API shows it (never its manage token).</summary>
public sealed record BookingChangedMessage(BookingChangeKind Kind, BookingsApi.BookingDto Booking, DateTimeOffset PublishedAt);

/// <summary>
/// This front end's subscription to the cluster's relay grains: every change reaches every front
/// end, and each forwards it to the SignalR connections of the users it concerns. Subscriptions are
/// refreshed periodically, so a relay that moved (silo died) or forgot us heals within one period,
/// and a dead front end simply stops refreshing and is dropped by the relays.
/// </summary>
public sealed class LiveRelayClient(IGrainFactory grains, IHubContext<NotificationsHub> hub, HubTokenWatch tokenWatch, ILogger<LiveRelayClient> logger)
    : BackgroundService, ILiveObserver
{
    private ILiveObserver? _reference;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _reference = grains.CreateObjectReference<ILiveObserver>(this);
        using var timer = new PeriodicTimer(LiveRelay.RefreshPeriod);
        do
        {
            for (var partition = 0; partition < LiveRelay.Partitions; partition++)
            {
                try
                {
                    await grains.GetGrain<IRelayGrain>(partition).Subscribe(_reference);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Could not subscribe to live relay {Partition}; retrying next period", partition);
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_reference is not null)
        {
            for (var partition = 0; partition < LiveRelay.Partitions; partition++)
            {
                try { await grains.GetGrain<IRelayGrain>(partition).Unsubscribe(_reference).WaitAsync(TimeSpan.FromSeconds(2), cancellationToken); }
                catch (Exception e) when (e is not OutOfMemoryException) { logger.LogDebug(e, "Unsubscribe from relay {Partition} skipped", partition); }
            }
            try { grains.DeleteObjectReference<ILiveObserver>(_reference); }
            catch (ArgumentException e) { logger.LogDebug(e, "Observer reference already released"); }
        }
        await base.StopAsync(cancellationToken);
    }

    public Task OnTokensRevoked(Guid userId)
    {
        tokenWatch.Report(userId);
        return Task.CompletedTask;
    }

    public async Task OnLive(LiveBatch batch)
    {
        foreach (var change in batch.Changes)
        {
            // The organizer's connections hear of it whether or not their address is verified; a booker's
            // only once it is (NotificationsHub puts unverified accounts in their organizer group only).
            var groups = change.Audience.Select(NotificationsHub.GroupOf).ToList();
            groups.Add(NotificationsHub.OrganizerGroupOf(change.Booking.OrganizerId));
            await hub.Clients.Groups(groups)
                .SendAsync("BookingChanged", new BookingChangedMessage(change.Kind, BookingsApi.BookingDto.From(change.Booking), change.PublishedAt));
        }
        foreach (var notification in batch.Notifications)
        {
            List<string> groups = [NotificationsHub.GroupOf(notification.UserId)];
            if (notification.AboutOwnCalendar) groups.Add(NotificationsHub.OrganizerGroupOf(notification.UserId));
            await hub.Clients.Groups(groups).SendAsync("Notification", NotificationsApi.NotificationDto.From(notification));
        }
    }
}
