using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Scheduler.Web.Mail;

/// <summary>Sends plain-text mail. One place for every mail the product sends (verification and password-reset links, later booking mails).</summary>
public interface IMailer
{
    Task SendAsync(string to, string subject, string text, CancellationToken cancellationToken = default);
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

/// <summary>MailKit over SMTP: one connection per message (mail is rare: sign-ups and their links).</summary>
public sealed class SmtpMailer(MailSettings settings, ILogger<SmtpMailer> logger) : IMailer
{
    public async Task SendAsync(string to, string subject, string text, CancellationToken cancellationToken = default)
    {
        if (settings.Host is null)
        {
            logger.LogWarning("No mail server configured (SCHEDULER_SMTP): a mail to {To} ({Subject}) was not sent", to, subject);
            return;
        }
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(settings.From));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = text };

        using var client = new SmtpClient { Timeout = 10_000 };
        // TLS when the server offers it; a development sink on loopback offers none.
        await client.ConnectAsync(settings.Host, settings.Port, SecureSocketOptions.StartTlsWhenAvailable, cancellationToken);
        if (settings.User is { Length: > 0 } user) await client.AuthenticateAsync(user, settings.Password ?? "", cancellationToken);
        await client.SendAsync(message, cancellationToken);
        await client.DisconnectAsync(quit: true, cancellationToken);
    }
}
