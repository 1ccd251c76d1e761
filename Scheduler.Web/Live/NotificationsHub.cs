using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Scheduler.Web.Hosting;

namespace Scheduler.Web.Live;

/// <summary>
/// Live booking changes and notifications for the signed-in user. Clients authenticate with the
/// API's bearer token (for WebSockets: the <c>access_token</c> query parameter); anonymous
/// connections are refused. The server calls <c>BookingChanged</c> and <c>Notification</c>.
/// </summary>
[Authorize]
public sealed class NotificationsHub : Hub
{
    public const string Path = "/hubs/notifications";

    public static string GroupOf(Guid userId) => "user:" + userId.ToString("N");

    public override async Task OnConnectedAsync()
    {
        if (Context.User?.UserId() is not { } userId)
        {
            Context.Abort();
            return;
        }
        await Groups.AddToGroupAsync(Context.ConnectionId, GroupOf(userId));
        await base.OnConnectedAsync();
    }
}
