using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Scheduler.Web.Mail;

/// <summary>One plain-text mail.</summary>
public sealed record OutgoingMail(string To, string Subject, string Text);

/// <summary>Sends plain-text mail. One place for every mail the product sends (verification and password-reset links, booking mails).</summary>
public interface IMailer
{
    /// <summary>Whether a mail server is configured at all (without one, nothing is sent).</summary>
    bool IsConfigured { get; }

    Task SendAsync(string to, string subject, string text, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends the mails over one connection, in order. A mail the server refuses is skipped; a broken
    /// connection ends the call with an exception. Answers the mails the server accepted.
    /// </summary>
    Task<IReadOnlyList<OutgoingMail>> SendAllAsync(IReadOnlyList<OutgoingMail> mails, CancellationToken cancellationToken = default);
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

    public async Task<IReadOnlyList<OutgoingMail>> SendAllAsync(IReadOnlyList<OutgoingMail> mails, CancellationToken cancellationToken = default)
    {
        if (settings.Host is null || mails.Count == 0) return [];
        var sent = new List<OutgoingMail>(mails.Count);
        using var client = await ConnectAsync(cancellationToken);
        foreach (var mail in mails)
        {
            try
            {
                await client.SendAsync(Message(mail), cancellationToken);
                sent.Add(mail);
            }
            catch (SmtpCommandException e) when (e.ErrorCode is SmtpErrorCode.RecipientNotAccepted or SmtpErrorCode.MessageNotAccepted)
            {
                // This recipient or message only: the connection goes on with the next.
                logger.LogInformation("The mail server refused a mail ({Subject}): {Status} {Message}", mail.Subject, e.StatusCode, e.Message);
            }
        }
        await client.DisconnectAsync(quit: true, cancellationToken);
        return sent;
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
