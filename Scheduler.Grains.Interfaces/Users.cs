using Orleans.Concurrency;

namespace Scheduler;

/// <summary>A user as the rest of the system sees it (never the password hash).</summary>
[GenerateSerializer, Immutable, Alias("scheduler.UserProfile")]
public sealed record UserProfile(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string Email,
    [property: Id(3)] string TimeZone,
    [property: Id(4)] bool HasPassword,
    [property: Id(5)] DateTimeOffset CreatedAt,
    [property: Id(6)] DateTimeOffset UpdatedAt,
    [property: Id(7)] bool EmailVerified = false);

/// <summary>A sign-up with the password already hashed by the front end.</summary>
[GenerateSerializer, Immutable, Alias("scheduler.SignUpRequest")]
public sealed record SignUpRequest(
    [property: Id(0)] string Name,
    [property: Id(1)] string Email,
    [property: Id(2)] string PasswordHash,
    [property: Id(3)] string TimeZone);

[GenerateSerializer, Alias("scheduler.SignUpOutcome")]
public enum SignUpOutcome
{
    Created = 0,
    /// <summary>The email belonged to a password-less booker, who now has an account.</summary>
    Claimed = 1,
    EmailTaken = 2,
}

[GenerateSerializer, Immutable, Alias("scheduler.SignUpResult")]
public sealed record SignUpResult(
    [property: Id(0)] SignUpOutcome Outcome,
    [property: Id(1)] UserProfile? User);

/// <summary>What a login check needs: the user and the stored password hash.</summary>
[GenerateSerializer, Immutable, Alias("scheduler.Credentials")]
public sealed record Credentials(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] string? PasswordHash);

/// <summary>
/// One grain per normalized email address: the only place that decides who owns an email, so
/// concurrent sign-ups with one address serialize here.
/// </summary>
[Alias("scheduler.IEmailGrain")]
public interface IEmailGrain : IGrainWithStringKey
{
    [Alias("SignUp")]
    Task<SignUpResult> SignUp(SignUpRequest request);

    [Alias("GetCredentials")]
    Task<Credentials?> GetCredentials();
}

/// <summary>A user's profile and credentials.</summary>
[Alias("scheduler.IUserGrain")]
public interface IUserGrain : IGrainWithGuidKey
{
    /// <summary>Interleaves: a calendar activating for this user may ask while the user is busy.</summary>
    [Alias("Get"), AlwaysInterleave]
    Task<UserProfile?> Get();

    /// <summary>
    /// Creates the user with a password, or gives an existing password-less user (a booker) one.
    /// Null when the address already belongs to a user with a password.
    /// </summary>
    [Alias("Register")]
    Task<UserProfile?> Register(string name, string email, string timeZone, string passwordHash);

    [Alias("GetPasswordHash")]
    Task<string?> GetPasswordHash();

    /// <summary>
    /// The moment a sign-in checked against <paramref name="passwordHash"/> is accepted, for its token's
    /// issue time: null when that is no longer the user's password. Not interleaved with password
    /// changes and resets, and on the clock they stamp <c>tokens_valid_after</c> with, so a token
    /// issued for the old password cannot outlive a change that raced it.
    /// </summary>
    [Alias("StampSignIn")]
    Task<DateTimeOffset?> StampSignIn(string passwordHash);

    [Alias("FindBookingOrganizer")]
    Task<Guid?> FindBookingOrganizer(Guid bookingId);

    /// <summary>
    /// This user's bookings as a booker, across organizers, with the organizer listing's semantics
    /// (dates read in this user's zone).
    /// </summary>
    [Alias("ListBookingsAsBooker")]
    Task<BookingPage> ListBookingsAsBooker(BookingListQuery query);

    /// <summary>
    /// The user's active bookings (pending or confirmed) that have not ended, earliest first, at most
    /// <paramref name="limit"/>, whether or not the address is verified: only for a mail to the
    /// address itself (<c>POST /api/bookings/links</c>), whose owner reads it.
    /// </summary>
    [Alias("UpcomingBookingsForMail"), ReadOnly]
    Task<IReadOnlyList<BookingView>> UpcomingBookingsForMail(int limit);

    /// <summary>
    /// Keeps the SHA-256 of a new address-verification secret (valid for <see cref="EmailVerification.Lifetime"/>).
    /// False when there is nothing to verify: no account, or its address is verified already.
    /// </summary>
    [Alias("StartEmailVerification")]
    Task<bool> StartEmailVerification(byte[] tokenHash);

    /// <summary>
    /// How long until <see cref="StartEmailVerification"/> would mail a new link (one a minute, five
    /// alive at once); null when it would now, or there is nothing to verify.
    /// </summary>
    [Alias("VerificationWait")]
    Task<TimeSpan?> VerificationWait();

    /// <summary>
    /// Uses up a verification secret: the address counts as this account's from now on (its bookings
    /// and notifications as a booker become visible). Null when the secret is unknown, used or expired.
    /// </summary>
    [Alias("VerifyEmail")]
    Task<UserProfile?> VerifyEmail(byte[] tokenHash);

    /// <summary>
    /// Keeps the SHA-256 of a new password-reset secret (valid for <see cref="PasswordReset.Lifetime"/>).
    /// False when there is nothing to reset (no account with a password), the last link was mailed
    /// less than <see cref="PasswordReset.MailInterval"/> ago, or <see cref="PasswordReset.MailsPerLifetime"/>
    /// links are still unexpired.
    /// </summary>
    [Alias("StartPasswordReset")]
    Task<bool> StartPasswordReset(byte[] tokenHash);

    /// <summary>
    /// Uses up a password-reset secret: the password becomes <paramref name="passwordHash"/>, the
    /// address counts as verified (the link reached it), and every token issued before ends. Null when
    /// the secret is unknown, used or expired, or the account no longer holds the address it was mailed to.
    /// </summary>
    [Alias("ResetPassword")]
    Task<UserProfile?> ResetPassword(byte[] tokenHash, string passwordHash);

    /// <summary>
    /// Whether an access token of this user is still good: the user exists, the token was issued
    /// after the last "sign out everywhere" (or password change) and was not revoked by itself.
    /// </summary>
    [Alias("AcceptsToken"), AlwaysInterleave]
    Task<bool> AcceptsToken(Guid tokenId, DateTimeOffset issuedAt);

    /// <summary>Ends one token (<c>POST /api/auth/revoke</c>).</summary>
    [Alias("RevokeToken")]
    Task RevokeToken(Guid tokenId, DateTimeOffset expiresAt);

    /// <summary>Ends every token issued so far ("sign out everywhere").</summary>
    [Alias("RevokeAllTokens")]
    Task RevokeAllTokens();

    /// <summary>Changes name and/or zone (nulls keep the current value).</summary>
    /// <remarks>A new alias since it no longer takes a password: an older caller fails loudly (README, upgrading).</remarks>
    [Alias("UpdateProfile.v2")]
    Task<UserProfile?> UpdateProfile(string? name, string? timeZone);

    /// <summary>
    /// Sets a new password hash if the password is still the one <paramref name="expectedHash"/> was
    /// read as (the caller checked the current password against it), ending every earlier token. False
    /// when it changed meanwhile (a reset, another change): nothing is written, the caller's check
    /// no longer holds.
    /// </summary>
    /// <remarks>
    /// A new <paramref name="name"/> and <paramref name="timeZone"/> (null: unchanged) are stored in
    /// the same statement, so a change of profile and password is applied whole or not at all.
    /// </remarks>
    [Alias("ChangePassword.v2")]
    Task<bool> ChangePassword(string expectedHash, string passwordHash, string? name, string? timeZone);

    /// <summary>
    /// Makes <paramref name="tokenHash"/> (SHA-256 of a new secret) the account's calendar feed,
    /// replacing an earlier one (whose URL stops working), if the password is still the one the caller
    /// checked the current password against (<paramref name="passwordHash"/>). Returns when it was made;
    /// null when it was not: no account, or the password changed meanwhile (a reset wins).
    /// </summary>
    [Alias("CreateCalendarFeed")]
    Task<DateTimeOffset?> CreateCalendarFeed(byte[] tokenHash, string passwordHash);

    /// <summary>When the account's working calendar feed was made; null when it has none (or it ended).</summary>
    [Alias("GetCalendarFeed")]
    Task<DateTimeOffset?> GetCalendarFeed();

    /// <summary>Ends the calendar feed. False when there was none.</summary>
    [Alias("DeleteCalendarFeed")]
    Task<bool> DeleteCalendarFeed();

    /// <summary>
    /// Whether <paramref name="tokenHash"/> is the SHA-256 of the account's calendar feed secret, and
    /// the feed still works: made after the last "sign out everywhere", password change or reset.
    /// </summary>
    [Alias("AcceptsCalendarFeed"), AlwaysInterleave]
    Task<bool> AcceptsCalendarFeed(byte[] tokenHash);
}

public static class EmailVerification
{
    /// <summary>How long a mailed verification link works (the issue allows at most 24 hours).</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);
}

public static class PasswordReset
{
    /// <summary>How long a mailed reset link works: short, as it hands over the account.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    /// <summary>At most one reset mail per account in this interval, whoever asks.</summary>
    public static readonly TimeSpan MailInterval = TimeSpan.FromMinutes(1);

    /// <summary>At most this many reset links per account within one <see cref="Lifetime"/>, whoever asks.</summary>
    public const int MailsPerLifetime = 3;
}

public static class GrainKeys
{
    /// <summary>
    /// Key of an <see cref="IEmailGrain"/>. The prefix keeps keys from parsing as hex numbers or
    /// GUIDs, which Orleans' ADO.NET storage would otherwise fold together.
    /// </summary>
    public static string Email(string email) => "email:" + NormalizeEmail(email);

    public static string NormalizeEmail(string email) => email.Trim().ToLowerInvariant();
}
