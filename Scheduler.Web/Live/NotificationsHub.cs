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
public sealed class NotificationsHub(IGrainFactory grains, HubConnections connections) : Hub
{
    public const string Path = "/hubs/notifications";

    /// <summary>Everything a user is told: their calendar's and, as a booker, their address's.</summary>
    public static string GroupOf(Guid userId) => "user:" + userId.ToString("N");

    /// <summary>Only what concerns the user's own calendar: accounts that have not verified their address yet.</summary>
    public static string OrganizerGroupOf(Guid userId) => "organizer:" + userId.ToString("N");

    public override async Task OnConnectedAsync()
    {
        if (Context.User?.UserId() is not { } userId
            || await grains.GetGrain<IUserGrain>(userId).Get() is not { } profile)
        {
            Context.Abort();
            return;
        }
        // The token stays checked while the connection is open (HubTokenWatch); the bearer handler
        // accepted it only with these claims.
        if (Context.User.Token() is not { } token
            || !long.TryParse(Context.User.FindFirst(AccessTokens.IssuedAtMsClaim)?.Value, out var issuedAtMs))
        {
            Context.Abort();
            return;
        }
        if (!connections.TryOpen(new HubConnections.Entry(userId, token.TokenId, DateTimeOffset.FromUnixTimeMilliseconds(issuedAtMs), token.ExpiresAt, Context)))
        {
            // A HubException's message reaches the client with the close.
            throw new HubException($"Too many live connections for this user: at most {connections.PerUserLimit} per front end. Close one and retry.");
        }
        try
        {
            // Bookings made with the address are the account's only once it proved the address is its own.
            await Groups.AddToGroupAsync(Context.ConnectionId, profile.EmailVerified ? GroupOf(userId) : OrganizerGroupOf(userId));
            await base.OnConnectedAsync();
        }
        catch
        {
            // SignalR does not call OnDisconnectedAsync for a connection whose start failed: free its place.
            connections.Closed(Context.ConnectionId);
            throw;
        }
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        connections.Closed(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }
}

/// <summary>
/// The hub's own HTTP answers as problems, like every other error: SignalR answers requests it cannot
/// serve with text/plain ("Connection ID required", "No Connection with that ID") or an empty 405
/// without <c>Allow</c>. The hub speaks WebSockets only, so the requests it serves are the negotiation
/// (POST …/negotiate) and WebSocket upgrades (GET); anything else is refused here, after
/// authentication (anonymous callers still get 401).
/// </summary>
public static class HubRequestProblems
{
    public static WebApplication UseHubRequestProblems(this WebApplication app)
    {
        app.UseWhen(context => context.Request.Path.StartsWithSegments(NotificationsHub.Path), hub => hub.Use(async (context, next) =>
        {
            var request = context.Request;
            var negotiate = request.Path.Equals(NotificationsHub.Path + "/negotiate", StringComparison.OrdinalIgnoreCase);
            var connect = request.Path.Equals(NotificationsHub.Path, StringComparison.OrdinalIgnoreCase);
            if (negotiate && !HttpMethods.IsPost(request.Method))
            {
                context.Response.Headers.Allow = "POST";
                await Problems.WriteAsync(context, Problems.Create("method-not-allowed", "Negotiate with POST."));
                return;
            }
            if (connect && !IsWebSocketAttempt(request))
            {
                if (HttpMethods.IsGet(request.Method))
                {
                    await Problems.WriteAsync(context, Problems.Create("validation",
                        "This hub speaks WebSockets only: negotiate (POST " + NotificationsHub.Path + "/negotiate), then open a WebSocket with the connection token."));
                    return;
                }
                context.Response.Headers.Allow = "GET";
                await Problems.WriteAsync(context, Problems.Create("method-not-allowed", "Open the hub with a WebSocket (GET)."));
                return;
            }
            await next(context);
        }));
        return app;
    }

    /// <summary>
    /// A WebSocket opening (HTTP/1.1 Upgrade, or HTTP/2's extended CONNECT). Read from the headers:
    /// the WebSocket feature is added by SignalR's own endpoint pipeline, after this middleware.
    /// </summary>
    private static bool IsWebSocketAttempt(HttpRequest request) =>
        HttpMethods.IsConnect(request.Method)
        || request.Headers.Upgrade.Any(v => v?.Contains("websocket", StringComparison.OrdinalIgnoreCase) == true);
}
