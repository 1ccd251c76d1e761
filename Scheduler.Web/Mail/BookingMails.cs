using System.Threading.Channels;
using System.Threading.RateLimiting;
using NodaTime;
using NodaTime.Text;
using Scheduler.Web.Hosting;

namespace Scheduler.Web.Mail;

/// <summary>What a booking mail tells its booker.</summary>
public enum BookingMailKind
{
    /// <summary>A booking was made (confirmed at once, or waiting for the organizer: the booking's status says which).</summary>
    Booked,

    /// <summary>The organizer confirmed a pending booking.</summary>
    Confirmed,

    /// <summary>The organizer cancelled a booking (or declined a pending one).</summary>
    CancelledByOrganizer,
}

/// <summary>
/// Mail to bookers: the booking with its manage link (view, cancel, add to a calendar) when it is made,
/// and again when the organizer confirms, declines or cancels it. Queued by the front end that answered
/// the request, only after the calendar has stored the decision, and sent here in the background: the
/// booking path neither waits for mail nor writes anything for it (a booking costs the database no
/// more than before). Best effort by design — a mail still waiting when its front end stops is not
/// sent; the booking page shows the same link. Two limits keep the mail server and strangers safe:
/// at most <see cref="RateLimitSettings.MailsPerSecond"/> mails a second leave each front end (a queue
/// of <see cref="QueueLimit"/> absorbs bursts; beyond it mails are dropped, counted in
/// <c>scheduler.mail.dropped</c> and logged once a minute), and any one address gets at most
/// <see cref="RateLimitSettings.BookingMailsPerAddress"/> booking mails per <see cref="RateLimitSettings.BookingMailWindow"/>,
/// however many bookings name it. The text carries what the organizer wrote (title, location, their
/// name) and the time, never the booker's name or notes: whoever types an address decides only that
/// its owner gets a booking they can cancel.
/// </summary>
public sealed class BookingMails : BackgroundService
{
    public const int QueueLimit = 10_000;

    private static readonly LocalDateTimePattern When = LocalDateTimePattern.CreateWithInvariantCulture("dddd d MMMM uuuu, HH:mm");

    private static readonly LocalTimePattern Time = LocalTimePattern.CreateWithInvariantCulture("HH:mm");

    private readonly Channel<Queued> _queue = Channel.CreateBounded<Queued>(
        new BoundedChannelOptions(QueueLimit) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

    private readonly IGrainFactory _grains;
    private readonly IMailer _mailer;
    private readonly PublicUrl _publicUrl;
    private readonly TimeProvider _clock;
    private readonly ILogger<BookingMails> _logger;
    private readonly TokenBucketRateLimiter _rate;
    private readonly PartitionedRateLimiter<string> _perAddress;
    private long _droppedSinceLog;
    private DateTimeOffset _lastDropLog = DateTimeOffset.MinValue;

    private sealed record Queued(BookingMailKind Kind, BookingView Booking, string? ManageToken);

    public BookingMails(IGrainFactory grains, IMailer mailer, PublicUrl publicUrl, RateLimitSettings settings, TimeProvider clock,
        ILogger<BookingMails> logger)
    {
        _grains = grains;
        _mailer = mailer;
        _publicUrl = publicUrl;
        _clock = clock;
        _logger = logger;
        var perSecond = Math.Max(1, settings.MailsPerSecond);
        _rate = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = perSecond,
            TokensPerPeriod = perSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 1,
            AutoReplenishment = true,
        });
        _perAddress = PartitionedRateLimiter.Create<string, string>(address =>
            RateLimitPartition.GetFixedWindowLimiter(address, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = Math.Max(1, settings.BookingMailsPerAddress),
                Window = settings.BookingMailWindow,
                QueueLimit = 0,
            }));
    }

    /// <summary>
    /// Addresses under the top-level domains reserved by RFC 2606 and RFC 6761 as never delivering
    /// (<c>.example</c>, <c>.invalid</c>) get no booking mail: it could only bounce. The load tester's
    /// bookers use <c>loadtest.example</c>.
    /// </summary>
    public static bool IsUndeliverable(string email) =>
        email.TrimEnd().TrimEnd('.') is var address
        && (address.EndsWith(".example", StringComparison.OrdinalIgnoreCase) || address.EndsWith(".invalid", StringComparison.OrdinalIgnoreCase));

    /// <summary>Queues a mail about a stored booking to its booker. Never waits.</summary>
    public void Queue(BookingMailKind kind, BookingView booking, string? manageToken = null)
    {
        if (IsUndeliverable(booking.Email)) return;
        if (_queue.Writer.TryWrite(new Queued(kind, booking, manageToken))) return;
        SchedulerMetrics.MailsDropped.Add(1, new KeyValuePair<string, object?>("reason", "queue-full"));
        Interlocked.Increment(ref _droppedSinceLog);
        var now = _clock.GetUtcNow();
        if (now - _lastDropLog < TimeSpan.FromMinutes(1)) return;
        _lastDropLog = now;
        _logger.LogWarning("Booking-mail queue full ({Limit} waiting): {Count} booking mails dropped since the last warning",
            QueueLimit, Interlocked.Exchange(ref _droppedSinceLog, 0));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var mail in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                using var lease = await _rate.AcquireAsync(1, stoppingToken);
                using var perAddress = _perAddress.AttemptAcquire(GrainKeys.NormalizeEmail(mail.Booking.Email), 1);
                if (!perAddress.IsAcquired)
                {
                    SchedulerMetrics.MailsDropped.Add(1, new KeyValuePair<string, object?>("reason", "address-limit"));
                    _logger.LogInformation("Booking mail for {BookingId} not sent: its address had its share of booking mails", mail.Booking.Id);
                    continue;
                }
                await SendAsync(mail, stoppingToken);
                SchedulerMetrics.MailsSent.Add(1);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                SchedulerMetrics.MailsDropped.Add(1, new KeyValuePair<string, object?>("reason", "failed"));
                _logger.LogWarning(e, "A booking mail for {BookingId} could not be sent", mail.Booking.Id);
            }
        }
    }

    private async Task SendAsync(Queued mail, CancellationToken cancellationToken)
    {
        var booking = mail.Booking;
        var calendar = _grains.GetGrain<ICalendarGrain>(booking.OrganizerId);
        var occurrence = await calendar.GetEvent(booking.EventId);
        var organizer = await _grains.GetGrain<IUserGrain>(booking.OrganizerId).Get();
        var token = mail.ManageToken ?? await calendar.GetManageToken(booking.Id);
        var title = occurrence?.Title is { Length: > 0 } t ? t : "Your booking";
        var organizerName = organizer?.Name ?? "the organizer";
        var zone = organizer?.TimeZone is { } id && DateTimeZoneProviders.Tzdb.GetZoneOrNull(id) is { } z ? z : DateTimeZone.Utc;
        var start = Instant.FromDateTimeOffset(booking.Start).InZone(zone);
        var end = Instant.FromDateTimeOffset(booking.End).InZone(zone);
        var until = end.Date == start.Date ? Time.Format(end.TimeOfDay) : When.Format(end.LocalDateTime);
        var when = $"{When.Format(start.LocalDateTime)} to {until} ({zone.Id})";

        var (subject, opening) = mail.Kind switch
        {
            BookingMailKind.Booked when booking.Status == BookingStatus.Pending =>
                ($"Requested: {title} with {organizerName}", $"your booking request was received. {organizerName} confirms each booking: you will get another mail when they confirm or decline it."),
            BookingMailKind.Booked => ($"Booked: {title} with {organizerName}", "your booking is confirmed."),
            BookingMailKind.Confirmed => ($"Confirmed: {title} with {organizerName}", $"{organizerName} confirmed your booking."),
            _ when booking.CancellationReason is { Length: > 0 } reason =>
                ($"Cancelled: {title} with {organizerName}", $"{organizerName} cancelled your booking, saying: \"{reason}\""),
            _ => ($"Cancelled: {title} with {organizerName}", $"{organizerName} cancelled your booking."),
        };

        var lines = new List<string> { "Hello,", "", opening, "", $"  What:  {title}", $"  When:  {when}", $"  With:  {organizerName}" };
        if (occurrence?.Location is { Length: > 0 } location) lines.Add($"  Where: {location}");
        lines.Add("");
        if (token is not null)
        {
            var query = "?token=" + Uri.EscapeDataString(token);
            if (mail.Kind != BookingMailKind.CancelledByOrganizer)
            {
                lines.Add("To see or cancel this booking:");
                lines.Add($"{_publicUrl.Base}/manage/{booking.Id}{query}");
                lines.Add("");
            }
            lines.Add("To add it to your calendar (or update the entry you added):");
            lines.Add($"{_publicUrl.Base}/api/bookings/{booking.Id}/calendar.ics{query}");
            lines.Add("");
        }
        lines.Add(mail.Kind == BookingMailKind.CancelledByOrganizer
            ? "Nothing more is needed from you."
            : "If you did not make this booking, someone typed your address: cancel it with the link above.");
        await _mailer.SendAsync(booking.Email, subject, string.Join("\n", lines), cancellationToken);
    }

    public override void Dispose()
    {
        _rate.Dispose();
        _perAddress.Dispose();
        base.Dispose();
    }
}
