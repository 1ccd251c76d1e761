using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Scheduler.Web.Hosting;

/// <summary>
/// The service-wide token signing key. It lives in the cluster (one grain, persisted), so every
/// front end signs and checks tokens with the same key without any configuration.
/// </summary>
public sealed class SigningKeys
{
    private SymmetricSecurityKey? _key;

    public SymmetricSecurityKey Key => _key ?? throw new InvalidOperationException("The signing key is not loaded yet.");

    public bool IsLoaded => _key is not null;

    public void Set(byte[] key) => _key = new SymmetricSecurityKey(key) { KeyId = "scheduler-1" };
}

/// <summary>Loads the signing key once the Orleans client has connected (hosted services start in order).</summary>
public sealed class SigningKeyLoader(IGrainFactory grains, SigningKeys keys) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken) =>
        keys.Set(await grains.GetGrain<ISigningKeyGrain>(0).GetKey());

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// Access tokens: JWTs naming the user (<c>sub</c>), the token (<c>jti</c>) and the exact issue time
/// (<c>iat_ms</c>), valid for <see cref="Lifetime"/> (<c>SCHEDULER_TOKEN_LIFETIME</c>, default one hour).
/// Each request also asks the user's grain whether the token still stands (revoked, signed out
/// everywhere, password changed, user unknown).
/// </summary>
public sealed class AccessTokens(SigningKeys keys, TimeProvider clock, IConfiguration config)
{
    public const string Issuer = "scheduler";
    public const string Audience = "scheduler-api";
    public const string IssuedAtMsClaim = "iat_ms";

    public TimeSpan Lifetime { get; } =
        TimeSpan.TryParse(config["SCHEDULER_TOKEN_LIFETIME"], System.Globalization.CultureInfo.InvariantCulture, out var lifetime) && lifetime > TimeSpan.Zero
            ? lifetime
            : TimeSpan.FromHours(1);

    /// <summary>A signed access token for the user.</summary>
    /// <param name="userId">Its subject.</param>
    /// <param name="issuedAt">
    /// When the user's grain accepted the sign-in (<see cref="IUserGrain.StampSignIn"/>), on the clock
    /// that also stamps <c>tokens_valid_after</c>: a token is revoked by every later password change.
    /// </param>
    public string Issue(Guid userId, DateTimeOffset issuedAt)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            Subject = new ClaimsIdentity([
                new Claim(JwtRegisteredClaimNames.Sub, userId.ToString()),
                new Claim(JwtRegisteredClaimNames.Jti, Guid.CreateVersion7(issuedAt).ToString()),
                new Claim(IssuedAtMsClaim, issuedAt.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture), ClaimValueTypes.Integer64),
            ]),
            IssuedAt = now,
            NotBefore = now,
            Expires = now + Lifetime,
            SigningCredentials = new SigningCredentials(keys.Key, SecurityAlgorithms.HmacSha256),
        });
    }

    public static void Configure(JwtBearerOptions options, SigningKeys keys)
    {
        options.MapInboundClaims = false;
        options.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = Audience,
            IssuerSigningKeyResolver = (_, _, _, _) => [keys.Key],
            ClockSkew = TimeSpan.FromSeconds(30),
            NameClaimType = JwtRegisteredClaimNames.Sub,
        };
        options.Events = new JwtBearerEvents
        {
            // A well-signed token must also name a user by id (a token from elsewhere, or a forged one
            // with a valid key, could say anything): anything else is 401, never a failure later on.
            OnTokenValidated = async context =>
            {
                var principal = context.Principal;
                if (!Guid.TryParse(principal?.FindFirstValue(JwtRegisteredClaimNames.Sub), out var userId))
                {
                    context.Fail("The token's subject is not a user id.");
                    return;
                }
                if (!Guid.TryParse(principal!.FindFirstValue(JwtRegisteredClaimNames.Jti), out var tokenId)
                    || !long.TryParse(principal.FindFirstValue(IssuedAtMsClaim), out var issuedAtMs)
                    || issuedAtMs is < 0 or > 253402300799999)
                {
                    context.Fail("The token does not say which token it is.");
                    return;
                }
                var grains = context.HttpContext.RequestServices.GetRequiredService<IGrainFactory>();
                if (!await grains.GetGrain<IUserGrain>(userId).AcceptsToken(tokenId, DateTimeOffset.FromUnixTimeMilliseconds(issuedAtMs)))
                    context.Fail("The token was revoked, or its user does not exist.");
            },
            // Browsers cannot set headers on WebSocket requests: SignalR sends the token in the query.
            OnMessageReceived = context =>
            {
                if (context.Request.Path.StartsWithSegments("/hubs")
                    && context.Request.Query["access_token"] is { Count: > 0 } token)
                    context.Token = token;
                return Task.CompletedTask;
            },
        };
    }
}

public static class ClaimsPrincipalExtensions
{
    /// <summary>The signed-in user's id, or null for anonymous callers.</summary>
    public static Guid? UserId(this ClaimsPrincipal user) =>
        user.Identity?.IsAuthenticated == true && Guid.TryParse(user.FindFirstValue(JwtRegisteredClaimNames.Sub), out var id)
            ? id
            : null;

    /// <summary>The signed-in caller's token id and expiry (for revoking it).</summary>
    public static (Guid TokenId, DateTimeOffset ExpiresAt)? Token(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(JwtRegisteredClaimNames.Jti), out var id) && long.TryParse(user.FindFirstValue(JwtRegisteredClaimNames.Exp), out var exp)
            ? (id, DateTimeOffset.FromUnixTimeSeconds(exp))
            : null;

    public static Guid RequiredUserId(this ClaimsPrincipal user) =>
        user.UserId() ?? throw new InvalidOperationException("Endpoint requires authorization.");
}
