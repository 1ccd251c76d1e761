using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Scheduler.Web.Hosting;
using Scheduler.Web.Mail;

namespace Scheduler.Web.Apis;

public static class UsersApi
{
    /// <summary>Sign-up request.</summary>
    public sealed record CreateUserRequest(string? Name, string? Email, string? Password, string? TimeZone);

    /// <summary>A user as the API shows it; <c>emailVerified</c>: whether the mailed link was followed.</summary>
    public sealed record UserDto(Guid Id, string Name, string Email, string TimeZone, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, bool EmailVerified)
    {
        public static UserDto From(UserProfile p) => new(p.Id, p.Name, p.Email, p.TimeZone, p.CreatedAt, p.UpdatedAt, p.EmailVerified);
    }

    /// <summary>The token from a verification link (the part after <c>#token=</c>).</summary>
    public sealed record VerifyEmailRequest(string? Token);

    public sealed record TokenRequest(string? Email, string? Password);

    /// <summary>The address of the account whose password was forgotten.</summary>
    public sealed record ForgotPasswordRequest(string? Email);

    /// <summary>The token from a reset link (the part after <c>#token=</c>) and the new password.</summary>
    public sealed record ResetPasswordRequest(string? Token, string? Password);

    /// <summary>Profile changes; a new password needs the current one.</summary>
    public sealed record UpdateMeRequest(string? Name, string? TimeZone, string? Password, string? CurrentPassword);

    /// <summary><c>everywhere</c>: end every token of the caller, not only this one.</summary>
    public sealed record RevokeRequest(bool? Everywhere);

    public sealed record TokenResponse(string AccessToken, string TokenType, int ExpiresIn);

    public static IEndpointRouteBuilder MapUsersApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/users", CreateUser).WithTags("Users").AllowAnonymous().RequireRateLimiting(RateLimits.SignUp);
        app.MapPost("/api/auth/token", IssueToken).WithTags("Users").AllowAnonymous().RequireRateLimiting(RateLimits.SignIn);
        app.MapGet("/api/me", GetMe).WithTags("Users").RequireAuthorization();
        app.MapPatch("/api/me", UpdateMe).WithTags("Users").RequireAuthorization();
        app.MapPost("/api/auth/verify-email", VerifyEmail).WithTags("Users").AllowAnonymous();
        // Each call mails the address: limited like sign-ups, so nobody can use it to flood an inbox.
        app.MapPost("/api/me/verify-email", ResendVerification).WithTags("Users").RequireAuthorization().RequireRateLimiting(RateLimits.SignUp);
        // Mails the address too; the reset itself hashes a password, so it is limited like sign-ins.
        app.MapPost("/api/auth/forgot-password", ForgotPassword).WithTags("Users").AllowAnonymous().RequireRateLimiting(RateLimits.SignUp);
        app.MapPost("/api/auth/reset-password", ResetPassword).WithTags("Users").AllowAnonymous().RequireRateLimiting(RateLimits.SignIn);
        app.MapPost("/api/auth/revoke", Revoke).WithTags("Users").RequireAuthorization();
        return app;
    }

    /// <summary>
    /// Signs up and mails a verification link to the address. Until it is followed, the account sees
    /// nothing booked with its address (also not what was booked before it signed up).
    /// </summary>
    public static async Task<Results<Created<UserDto>, ProblemHttpResult>> CreateUser(
        CreateUserRequest? body, IGrainFactory grains, IPasswordHasher<UserProfile> hasher, EmailVerifications verifications)
    {
        var v = new Validator();
        var name = v.RequiredText("name", body?.Name, 200);
        var email = v.Email("email", body?.Email);
        var zone = v.TimeZone("timeZone", body?.TimeZone);
        v.NewPassword("password", body?.Password);
        if (!v.IsValid) return Problems.Validation(v.Errors);

        var hash = hasher.HashPassword(null!, body!.Password!);
        var result = await grains.GetGrain<IEmailGrain>(GrainKeys.Email(email!))
            .SignUp(new SignUpRequest(name!, email!, hash, zone!.Id));
        if (result.Outcome == SignUpOutcome.EmailTaken || result.User is null)
            return Problems.Result("email-taken",
                "Sign in instead, or use another email address. If the address is yours, reset the password (POST /api/auth/forgot-password).");
        await verifications.SendAsync(result.User);
        return TypedResults.Created("/api/me", UserDto.From(result.User));
    }

    /// <summary>
    /// The stored hash <paramref name="currentPassword"/> matched, or the problem to answer.
    /// A stolen token must not become a way to guess the password (and keep the account, or a calendar
    /// feed, after the token ends): wrong current passwords are limited like failed sign-ins, one
    /// budget per account for every call that asks for it.
    /// </summary>
    public static async Task<(ProblemHttpResult? Refused, string? Hash)> CheckCurrentPassword(
        HttpContext http, IUserGrain user, Guid userId, string currentPassword, IPasswordHasher<UserProfile> hasher, AccountThrottle throttle)
    {
        var account = "password change " + userId.ToString("N");
        if (throttle.Blocked(account, null) is { } wait)
        {
            RateLimits.SetRetryAfter(http, wait);
            return (Problems.Result("rate-limited", "Too many wrong current passwords: wait, then try again."), null);
        }
        var current = await user.GetPasswordHash();
        if (current is null || hasher.VerifyHashedPassword(null!, current, currentPassword) == PasswordVerificationResult.Failed)
        {
            throttle.Failed(account, null);
            return (Problems.Validation("currentPassword", "Does not match the current password."), null);
        }
        return (null, current);
    }

    /// <summary>Changes the caller's name, time zone and/or password (with <c>currentPassword</c>).</summary>
    public static async Task<Results<Ok<UserDto>, ProblemHttpResult>> UpdateMe(
        UpdateMeRequest? body, HttpContext http, IGrainFactory grains, IPasswordHasher<UserProfile> hasher, AccountThrottle throttle,
        SignInDevices devices)
    {
        var v = new Validator();
        var name = body?.Name is null ? null : v.RequiredText("name", body.Name, 200);
        var zone = body?.TimeZone is null ? null : v.TimeZone("timeZone", body.TimeZone);
        if (body?.Password is not null)
        {
            v.NewPassword("password", body.Password);
            if (string.IsNullOrEmpty(body.CurrentPassword)) v.Add("currentPassword", "Required to change the password.");
            else v.ExistingPassword("currentPassword", body.CurrentPassword);
        }
        if (!v.IsValid) return Problems.Validation(v.Errors);

        var userId = http.User.RequiredUserId();
        var user = grains.GetGrain<IUserGrain>(userId);
        string? current = null;
        if (body?.Password is not null)
        {
            // The hash the password was checked against: the change below is stored only if it is still the one.
            (var refused, current) = await CheckCurrentPassword(http, user, userId, body.CurrentPassword!, hasher, throttle);
            if (refused is not null) return refused;
        }
        if (body?.Password is not { } password)
        {
            var updated = await user.UpdateProfile(name, zone?.Id);
            return updated is null ? Problems.NotFound("user") : TypedResults.Ok(UserDto.From(updated));
        }
        // Compare-and-set, with the name and zone in the same statement: a reset (or another change)
        // that landed while this one was checked and hashed wins, and this one is refused whole — as if
        // the current password were wrong, which it now is — never half applied.
        var newHash = hasher.HashPassword(null!, password);
        if (!await user.ChangePassword(current!, newHash, name, zone?.Id))
            return Problems.Validation("currentPassword", "Does not match the current password.");
        // Every earlier device cookie ends with the old password; this client proved the current one.
        devices.Remember(http, userId, newHash);
        return await user.Get() is { } changed ? TypedResults.Ok(UserDto.From(changed)) : Problems.NotFound("user");
    }

    // Compared against when the email is unknown, so both failures take as long.
    private static readonly string DummyHash = new PasswordHasher<UserProfile>().HashPassword(null!, "not-a-real-password");

    /// <summary>
    /// Exchanges email and password for a bearer token. Repeated failures for one account make it
    /// wait (429 + Retry-After), whichever addresses they come from, except in a browser the account
    /// has signed in from before (its device cookie, <see cref="SignInDevices"/>), which only its own
    /// failures can make wait.
    /// </summary>
    public static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> IssueToken(
        TokenRequest? body, HttpContext http, IGrainFactory grains, IPasswordHasher<UserProfile> hasher, AccessTokens tokens,
        AccountThrottle throttle, SignInDevices devices)
    {
        var v = new Validator();
        var email = v.KnownEmail("email", body?.Email);
        v.ExistingPassword("password", body?.Password);
        if (!v.IsValid) return Problems.Validation(v.Errors);

        var account = GrainKeys.NormalizeEmail(email!);
        var credentials = await grains.GetGrain<IEmailGrain>(GrainKeys.Email(email!)).GetCredentials();
        var device = credentials?.PasswordHash is null ? null : devices.Recognise(http, credentials.UserId, credentials.PasswordHash);
        if (throttle.Blocked(account, device) is { } wait)
        {
            RateLimits.SetRetryAfter(http, wait);
            return Problems.Result("rate-limited",
                "Too many failed sign-ins for this account: wait, then try again (a browser that has signed in to it before, or reset its password, is not held up by others' failures).");
        }
        var verdict = hasher.VerifyHashedPassword(null!, credentials?.PasswordHash ?? DummyHash, body!.Password!);
        if (credentials?.PasswordHash is null || verdict == PasswordVerificationResult.Failed)
        {
            throttle.Failed(account, device);
            return Problems.Result("invalid-credentials");
        }
        // The user's grain stamps the sign-in, one at a time with password changes and resets: a
        // reset that lands while this password was being checked either ends this token (stamped
        // before it) or refuses it here (the hash it was checked against is gone).
        if (await grains.GetGrain<IUserGrain>(credentials.UserId).StampSignIn(credentials.PasswordHash) is not { } issuedAt)
        {
            throttle.Failed(account, device);
            return Problems.Result("invalid-credentials");
        }
        devices.Remember(http, credentials.UserId, credentials.PasswordHash, device);
        return TypedResults.Ok(new TokenResponse(tokens.Issue(credentials.UserId, issuedAt), "Bearer", (int)tokens.Lifetime.TotalSeconds));
    }

    /// <summary>Follows a mailed verification link: once, within 24 hours of its mailing.</summary>
    public static async Task<Results<Ok<UserDto>, ProblemHttpResult>> VerifyEmail(VerifyEmailRequest? body, EmailVerifications verifications)
    {
        var verified = await verifications.VerifyAsync(body?.Token);
        return verified is null
            ? Problems.Result("invalid-verification", "Sign in and ask for a new link (POST /api/me/verify-email).")
            : TypedResults.Ok(UserDto.From(verified));
    }

    /// <summary>
    /// Mails a new verification link to the caller's address (earlier links keep working until they
    /// expire): at most one a minute and five live links per account, else 429 with Retry-After.
    /// </summary>
    public static async Task<Results<Accepted, ProblemHttpResult>> ResendVerification(
        HttpContext http, IGrainFactory grains, EmailVerifications verifications)
    {
        var profile = await grains.GetGrain<IUserGrain>(http.User.RequiredUserId()).Get();
        if (profile is null) return Problems.NotFound("user");
        if (profile.EmailVerified) return Problems.Result("already-verified");
        if (await verifications.SendAsync(profile)) return TypedResults.Accepted((string?)null);
        // No link: verified meanwhile, or the account asked within the last minute or holds five live links.
        var user = grains.GetGrain<IUserGrain>(profile.Id);
        if (await user.VerificationWait() is not { } wait)
        {
            if ((await user.Get())?.EmailVerified == true) return Problems.Result("already-verified");
            http.Response.Headers.RetryAfter = "1";
            return Problems.Result("retry", "No link was mailed; ask again.");
        }
        RateLimits.SetRetryAfter(http, wait);
        return Problems.Result("rate-limited", "A link was mailed less than a minute ago, or five are still valid: use one of them.");
    }

    /// <summary>
    /// Mails a password-reset link to the address, if it has an account: always 202, so the answer
    /// (and its timing: the mail is sent after it) says nothing about who has an account. At most one
    /// link a minute per account; a link works once, for an hour.
    /// </summary>
    public static Results<Accepted, ProblemHttpResult> ForgotPassword(ForgotPasswordRequest? body, PasswordResets resets)
    {
        var v = new Validator();
        var email = v.KnownEmail("email", body?.Email);
        if (!v.IsValid) return Problems.Validation(v.Errors);
        resets.Request(email!);
        return TypedResults.Accepted((string?)null);
    }

    /// <summary>
    /// Follows a mailed reset link: sets the new password, counts the address as verified (the link
    /// reached it) and ends every token issued before, on every device. Once, within an hour.
    /// </summary>
    public static async Task<Results<Ok<UserDto>, ProblemHttpResult>> ResetPassword(
        ResetPasswordRequest? body, HttpContext http, PasswordResets resets, IPasswordHasher<UserProfile> hasher, SignInDevices devices)
    {
        var v = new Validator();
        v.NewPassword("password", body?.Password);
        if (!v.IsValid) return Problems.Validation(v.Errors);
        string? newHash = null;
        var user = await resets.ResetAsync(body!.Token, () => newHash = hasher.HashPassword(null!, body.Password!));
        if (user is null) return Problems.Result("invalid-reset", "Ask for a new link (POST /api/auth/forgot-password).");
        // The link proved the mailbox: this browser may sign in even while strangers' failures hold the
        // account (and no cookie given under the old password counts any more).
        if (newHash is not null) devices.Remember(http, user.Id, newHash);
        return TypedResults.Ok(UserDto.From(user));
    }

    /// <summary>Ends the token this request carries, or (<c>everywhere: true</c>) every token of the caller.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> Revoke(RevokeRequest? body, HttpContext http, IGrainFactory grains)
    {
        var user = grains.GetGrain<IUserGrain>(http.User.RequiredUserId());
        if (body?.Everywhere == true)
        {
            await user.RevokeAllTokens();
            return TypedResults.NoContent();
        }
        if (http.User.Token() is not { } token) return Problems.Result("unauthorized");
        await user.RevokeToken(token.TokenId, token.ExpiresAt);
        return TypedResults.NoContent();
    }

    /// <summary>The signed-in user.</summary>
    public static async Task<Results<Ok<UserDto>, ProblemHttpResult>> GetMe(HttpContext http, IGrainFactory grains)
    {
        var profile = await grains.GetGrain<IUserGrain>(http.User.RequiredUserId()).Get();
        return profile is null ? Problems.NotFound("user") : TypedResults.Ok(UserDto.From(profile));
    }
}
