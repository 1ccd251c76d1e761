using System.Threading.Channels;

namespace Scheduler.Web.Mail;

/// <summary>
/// Forgotten passwords: <c>POST /api/auth/forgot-password</c> queues the address and answers at once,
/// the same whether or not it has an account (neither the answer nor its timing says which); this
/// service then mails the account's address a link with a 256-bit secret, valid for
/// <see cref="PasswordReset.Lifetime"/>, at most one a minute and three an hour per account. Following the link
/// (<c>POST /api/auth/reset-password</c>) sets a new password, verifies the address and ends every
/// earlier token: the owner of an address takes back an account someone else signed up with it.
/// </summary>
public sealed class PasswordResets(IGrainFactory grains, IMailer mailer, PublicUrl publicUrl, ILogger<PasswordResets> logger)
    : BackgroundService
{
    /// <summary>Requests beyond this many waiting are dropped (logged): the per-IP limit keeps it far off.</summary>
    private const int QueueLimit = 1000;

    // Wait mode, written with TryWrite only: a full queue refuses (and is logged) rather than silently
    // dropping, which DropWrite does while TryWrite says true.
    private readonly Channel<string> _requests = Channel.CreateBounded<string>(
        new BoundedChannelOptions(QueueLimit) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

    /// <summary>Queues a reset mail to the address (if it has an account). Never waits, never says.</summary>
    public void Request(string email)
    {
        if (!_requests.Writer.TryWrite(email)) logger.LogWarning("Password-reset queue full: a request was dropped");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var email in _requests.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await SendAsync(email, stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // Asking again sends a new link (a failed write stored none, or one a retry may replace).
                logger.LogWarning(e, "A password-reset mail could not be sent");
            }
        }
    }

    private async Task SendAsync(string email, CancellationToken cancellationToken)
    {
        var credentials = await grains.GetGrain<IEmailGrain>(GrainKeys.Email(email)).GetCredentials();
        if (credentials?.PasswordHash is null) return;
        var user = grains.GetGrain<IUserGrain>(credentials.UserId);
        if (await user.Get() is not { } profile) return;
        var (token, hash) = MailedTokens.New(profile.Id);
        if (!await user.StartPasswordReset(hash)) return;

        // The secret rides in the fragment: browsers never send it to a server or in a Referer.
        var link = $"{publicUrl.Base}/reset-password#token={token}";
        // No name in the greeting: whoever signed up with the address chose it, and this mail goes to
        // the address's owner.
        await mailer.SendAsync(profile.Email, "Reset your Scheduler password", $"""
            Hello,

            someone (we hope you) asked to reset the password of the Scheduler account of this address.
            To choose a new password, open this link within {(int)PasswordReset.Lifetime.TotalMinutes} minutes:

            {link}

            Choosing a new password signs out every device signed in to the account.
            If this was not you, ignore this mail: your password stays as it is.
            """, cancellationToken);
    }

    /// <summary>
    /// Uses up a link's token and sets the new password (hashed only once the token is well-formed).
    /// Null when it is malformed, unknown, used or expired.
    /// </summary>
    public async Task<UserProfile?> ResetAsync(string? token, Func<string> hashPassword) =>
        MailedTokens.TryRead(token, out var userId, out var hash)
            ? await grains.GetGrain<IUserGrain>(userId).ResetPassword(hash, hashPassword())
            : null;
}
