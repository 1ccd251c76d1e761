using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Scheduler.Web.Mail;

/// <summary>One plain-text mail.</summary>
public sealed record OutgoingMail(string To, string Subject, string Text);

/// <summary>What became of a batch: accepted by the server, refused by it (that mail only), or not sent because the connection failed.</summary>
public sealed record MailBatchResult(int Sent, int Refused, int Failed);

/// <summary>Sends plain-text mail. One place for every mail the product sends (verification and password-reset links, booking mails).</summary>
public interface IMailer
{
    /// <summary>Whether a mail server is configured at all (without one, nothing is sent).</summary>
    bool IsConfigured { get; }

    Task SendAsync(string to, string subject, string text, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends the mails over one connection, in order. A mail the server refuses (or that cannot be
    /// addressed) is skipped; a broken connection is reconnected once, after which the rest count as
    /// failed. Throws only when cancelled.
    /// </summary>
    Task<MailBatchResult> SendAllAsync(IReadOnlyList<OutgoingMail> mails, CancellationToken cancellationToken = default);
}

/// <summary>
/// Where mail goes: <c>SCHEDULER_SMTP</c> (host:port; <c>./run.sh</c> starts a local sink and sets it),
/// optionally <c>SCHEDULER_SMTP_USER</c>/<c>SCHEDULER_SMTP_PASSWORD</c>, and the sender <c>SCHEDULER_MAIL_FROM</c>.
/// </summary>
public sealed record MailSettings(string? Host, int Port, string From, string? User, string? Password)
{
    public static MailSettings Read(IConfiguration config)
    {
        string? host = null;
        var port = 25;
        if (config["SCHEDULER_SMTP"] is { Length: > 0 } server)
        {
            var colon = server.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(server[(colon + 1)..], out port) || port is <= 0 or > 65535)
                throw new InvalidOperationException($"SCHEDULER_SMTP must be host:port, not '{server}'.");
            host = server[..colon];
        }
        return new MailSettings(host, port, config["SCHEDULER_MAIL_FROM"] is { Length: > 0 } from ? from : "Scheduler <no-reply@localhost>",
            config["SCHEDULER_SMTP_USER"], config["SCHEDULER_SMTP_PASSWORD"]);
    }
}

/// <summary>MailKit over SMTP: a connection per call (account links are rare; booking mails go in batches over one).</summary>
public sealed class SmtpMailer(MailSettings settings, ILogger<SmtpMailer> logger) : IMailer
{
    public bool IsConfigured => settings.Host is not null;

    public async Task SendAsync(string to, string subject, string text, CancellationToken cancellationToken = default)
    {
        if (settings.Host is null)
        {
            logger.LogWarning("No mail server configured (SCHEDULER_SMTP): a mail to {To} ({Subject}) was not sent", to, subject);
            return;
        }
        using var client = await ConnectAsync(cancellationToken);
        await client.SendAsync(Message(new OutgoingMail(to, subject, text)), cancellationToken);
        await client.DisconnectAsync(quit: true, cancellationToken);
    }

    public async Task<MailBatchResult> SendAllAsync(IReadOnlyList<OutgoingMail> mails, CancellationToken cancellationToken = default)
    {
        if (settings.Host is null || mails.Count == 0) return new(0, 0, mails.Count);
        int sent = 0, refused = 0, next = 0;
        for (var connection = 0; connection < 2 && next < mails.Count; connection++)
        {
            SmtpClient? client = null;
            try
            {
                client = await ConnectAsync(cancellationToken);
                for (; next < mails.Count; next++)
                {
                    MimeMessage message;
                    try { message = Message(mails[next]); }
                    catch (ParseException e)
                    {
                        refused++;
                        logger.LogInformation(e, "A mail could not be addressed ({Subject})", mails[next].Subject);
                        continue;
                    }
                    try
                    {
                        await client.SendAsync(message, cancellationToken);
                        sent++;
                    }
                    catch (SmtpCommandException e)
                    {
                        // This mail only (MailKit resets the transaction): the connection goes on with the next.
                        refused++;
                        logger.LogInformation("The mail server refused a mail ({Subject}): {Status} {Message}", mails[next].Subject, e.StatusCode, e.Message);
                    }
                }
                await client.DisconnectAsync(quit: true, cancellationToken);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not SmtpCommandException)
            {
                logger.LogInformation(e, "The mail connection failed after {Sent} of {Count} mails{Again}", sent + refused, mails.Count,
                    connection == 0 ? "; reconnecting once" : "");
            }
            finally
            {
                client?.Dispose();
            }
        }
        return new(sent, refused, mails.Count - next);
    }

    private MimeMessage Message(OutgoingMail mail)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(settings.From));
        message.To.Add(MailboxAddress.Parse(mail.To));
        message.Subject = mail.Subject;
        message.Body = new TextPart("plain") { Text = mail.Text };
        return message;
    }

    private async Task<SmtpClient> ConnectAsync(CancellationToken cancellationToken)
    {
        var client = new SmtpClient { Timeout = 10_000 };
        try
        {
            // TLS when the server offers it; a development sink on loopback offers none.
            await client.ConnectAsync(settings.Host!, settings.Port, SecureSocketOptions.StartTlsWhenAvailable, cancellationToken);
            if (settings.User is { Length: > 0 } user) await client.AuthenticateAsync(user, settings.Password ?? "", cancellationToken);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }
}
