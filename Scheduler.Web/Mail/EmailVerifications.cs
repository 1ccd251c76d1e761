namespace Scheduler.Web.Mail;

/// <summary>
/// Proving that an account owns its address: a link with a 256-bit secret is mailed to the address;
/// following it (the page posts the secret to <c>POST /api/auth/verify-email</c>) verifies the address
/// once, within <see cref="EmailVerification.Lifetime"/>. Only the secret's SHA-256 is stored.
/// </summary>
public sealed class EmailVerifications(IGrainFactory grains, IMailer mailer, PublicUrl publicUrl, ILogger<EmailVerifications> logger)
{
    /// <summary>Mails a new link to the account's address. False when its address is verified already (or it has no account).</summary>
    public async Task<bool> SendAsync(UserProfile user, CancellationToken cancellationToken = default)
    {
        var (token, hash) = MailedTokens.New(user.Id);
        if (!await grains.GetGrain<IUserGrain>(user.Id).StartEmailVerification(hash)) return false;

        // The secret rides in the fragment: browsers never send it to a server or in a Referer.
        var link = $"{publicUrl.Base}/verify-email#token={token}";
        try
        {
            // No name in the greeting: the one who signed up chose it, and may not own the address.
            await mailer.SendAsync(user.Email, "Confirm your email address for Scheduler", $"""
                Hello,

                someone (we hope you) signed up for Scheduler with this address. To confirm that it is
                yours, and to see the bookings made with it, open this link within {(int)EmailVerification.Lifetime.TotalHours} hours:

                {link}

                If this was not you, do not open the link: whoever signed up would see what is booked with
                your address. Nothing is shown to them until the link is followed. To take the account
                over, choose "Forgot your password?" at {publicUrl.Base}/dashboard with this address.
                """, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The account exists either way; POST /api/me/verify-email sends a new link.
            logger.LogWarning(e, "The verification mail for user {UserId} could not be sent", user.Id);
        }
        return true;
    }

    /// <summary>Uses up a link's token. Null when it is malformed, unknown, used or expired.</summary>
    public async Task<UserProfile?> VerifyAsync(string? token) =>
        MailedTokens.TryRead(token, out var userId, out var hash) ? await grains.GetGrain<IUserGrain>(userId).VerifyEmail(hash) : null;
}

/// <summary>
/// The address links in mails point to: <c>SCHEDULER_PUBLIC_URL</c>, else the first of
/// <c>SCHEDULER_URLS</c>. Never the request's Host header, which the requester chooses: a sign-up
/// with a forged Host would otherwise mail the owner a link that hands the secret to that host.
/// </summary>
public sealed record PublicUrl(string Base)
{
    public static PublicUrl From(IConfiguration config, string defaultUrls)
    {
        var url = config["SCHEDULER_PUBLIC_URL"] is { Length: > 0 } configured
            ? configured
            : (config["SCHEDULER_URLS"] is { Length: > 0 } urls ? urls : defaultUrls).Split(';', ',')[0];
        return new PublicUrl(url.TrimEnd('/'));
    }
}
