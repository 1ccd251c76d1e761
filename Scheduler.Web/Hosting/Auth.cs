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

public sealed class AccessTokens(SigningKeys keys, TimeProvider clock)
{
    public const string Issuer = "scheduler";
    public const string Audience = "scheduler-api";
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);

    public string Issue(Guid userId)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            Subject = new ClaimsIdentity([new Claim(JwtRegisteredClaimNames.Sub, userId.ToString())]),
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
            OnTokenValidated = context =>
            {
                if (!Guid.TryParse(context.Principal?.FindFirstValue(JwtRegisteredClaimNames.Sub), out _))
                    context.Fail("The token's subject is not a user id.");
                return Task.CompletedTask;
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

    public static Guid RequiredUserId(this ClaimsPrincipal user) =>
        user.UserId() ?? throw new InvalidOperationException("Endpoint requires authorization.");
}
