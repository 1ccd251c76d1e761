using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using MimeKit;

namespace Scheduler.TestSupport;

/// <summary>One mail as the sink received it.</summary>
public sealed record ReceivedMail(IReadOnlyList<string> Recipients, string Subject, string Text)
{
    private static readonly Regex VerificationLink = new(@"https?://\S+/verify-email#token=(?<token>[A-Za-z0-9_-]+)", RegexOptions.Compiled);

    private static readonly Regex ResetLink = new(@"https?://\S+/reset-password#token=(?<token>[A-Za-z0-9_-]+)", RegexOptions.Compiled);

    /// <summary>The token of the verification link in this mail, or null.</summary>
    public string? VerificationToken => VerificationLink.Match(Text) is { Success: true } m ? m.Groups["token"].Value : null;

    /// <summary>The token of the password-reset link in this mail, or null.</summary>
    public string? ResetToken => ResetLink.Match(Text) is { Success: true } m ? m.Groups["token"].Value : null;

    private static readonly Regex ManageLinkPattern = new(@"(?<link>https?://\S+/manage/(?<id>[0-9a-f-]{36})\?token=(?<token>[A-Za-z0-9_%-]+))", RegexOptions.Compiled);

    private static readonly Regex CalendarLinkPattern = new(@"https?://\S+(?<path>/api/bookings/[0-9a-f-]{36}/calendar\.ics\?token=[A-Za-z0-9_%-]+)", RegexOptions.Compiled);

    /// <summary>The booking mail's manage link (absolute), or null.</summary>
    public string? ManageLink => ManageLinkPattern.Match(Text) is { Success: true } m ? m.Groups["link"].Value : null;

    /// <summary>Every manage link in the mail (absolute), in order.</summary>
    public IReadOnlyList<string> ManageLinks => ManageLinkPattern.Matches(Text).Select(m => m.Groups["link"].Value).ToList();

    /// <summary>The manage link's token, unescaped, or null.</summary>
    public string? ManageToken => ManageLinkPattern.Match(Text) is { Success: true } m ? Uri.UnescapeDataString(m.Groups["token"].Value) : null;

    /// <summary>The path and query of the booking mail's calendar-file link, or null.</summary>
    public string? CalendarFilePath => CalendarLinkPattern.Match(Text) is { Success: true } m ? m.Groups["path"].Value : null;

    /// <summary>A mail about a booking (booked, requested, confirmed, cancelled), not an account link.</summary>
    public bool IsBookingMail => VerificationToken is null && ResetToken is null;
}

/// <summary>
/// A minimal SMTP server on loopback for tests (what ./run.sh's aiosmtpd sink is for development):
/// accepts every message and keeps it, so a test can read the mail a user would get.
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<ReceivedMail> _mails = [];
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly Task _accepting;

    public SmtpSink()
    {
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>host:port, as SCHEDULER_SMTP wants it.</summary>
    public string Address => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public IReadOnlyList<ReceivedMail> MailsTo(string address)
    {
        lock (_mails) return _mails.Where(m => m.Recipients.Contains(address, StringComparer.OrdinalIgnoreCase)).ToList();
    }

    /// <summary>
    /// Waits (at most <paramref name="timeout"/>) until <paramref name="count"/> mails to the address
    /// (those matching <paramref name="which"/>, if given) have arrived, and returns them.
    /// </summary>
    public async Task<IReadOnlyList<ReceivedMail>> WaitForMailsTo(string address, int count = 1, TimeSpan? timeout = null, Func<ReceivedMail, bool>? which = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            var mails = which is null ? MailsTo(address) : MailsTo(address).Where(which).ToList();
            if (mails.Count >= count) return mails;
            try { await _arrived.WaitAsync(TimeSpan.FromMilliseconds(200), deadline.Token); }
            catch (OperationCanceledException) { throw new TimeoutException($"No mail #{count} to {address} arrived in time."); }
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException) { return; }
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            var stream = client.GetStream();
            var reader = new StreamReader(stream, Encoding.Latin1);
            var writer = new StreamWriter(stream, Encoding.Latin1) { NewLine = "\r\n", AutoFlush = true };
            await writer.WriteLineAsync("220 sink ESMTP");
            var recipients = new List<string>();
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                var verb = line.Split(' ', 2)[0].ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO":
                        await writer.WriteLineAsync("250-sink");
                        await writer.WriteLineAsync("250 8BITMIME");
                        break;
                    case "RCPT":
                        recipients.Add(line[(line.IndexOf('<') + 1)..line.LastIndexOf('>')]);
                        await writer.WriteLineAsync("250 OK");
                        break;
                    case "DATA":
                        await writer.WriteLineAsync("354 End data with <CR><LF>.<CR><LF>");
                        var data = new StringBuilder();
                        while (await reader.ReadLineAsync(_stop.Token) is { } dataLine && dataLine != ".")
                            data.Append(dataLine.StartsWith("..", StringComparison.Ordinal) ? dataLine[1..] : dataLine).Append("\r\n");
                        var message = MimeMessage.Load(new MemoryStream(Encoding.Latin1.GetBytes(data.ToString())));
                        lock (_mails) _mails.Add(new ReceivedMail(recipients.ToList(), message.Subject ?? "", message.TextBody ?? ""));
                        recipients.Clear();
                        _arrived.Release();
                        await writer.WriteLineAsync("250 OK");
                        break;
                    case "QUIT":
                        await writer.WriteLineAsync("221 Bye");
                        return;
                    default: // HELO, MAIL, RSET, NOOP
                        await writer.WriteLineAsync("250 OK");
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException) { }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
