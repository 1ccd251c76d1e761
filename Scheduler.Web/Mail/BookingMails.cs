using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Caching.Memory;
using NodaTime;
using NodaTime.Text;
using Scheduler.Web.Hosting;

namespace Scheduler.Web.Mail;

/// <summary>
/// Mail to bookers: the booking with its manage link (view, cancel, add to a calendar) when it is made,
/// again when the organizer confirms, declines or cancels it, and before it starts (reminders, which
/// the silo decides and hands to one front end through <see cref="IMailRelayGrain"/>); and to the
/// organizer when a booking waits for their confirmation. Queued only
/// after the calendar has stored the decision, and sent here in the background: the booking path
/// neither waits for mail nor writes anything for it. Best effort by design — a mail still waiting
/// when its front end stops is not sent; the booking page shows the same link.
/// <para>
/// Anyone can book with a stranger's address and anyone can sign up as an organizer, so: only
/// organizers whose address is verified get their bookers mailed; what the organizer wrote (title,
/// location, name, a cancellation's reason) goes in on one line each, without control or invisible
/// characters and cut short, with a closing line saying whose booking page it came from; the booker's
/// notes never go in, their name only into the organizer's request mail; one mailbox gets at most
/// <see cref="RateLimitSettings.BookingMailsPerAddress"/> "booked" mails and as many other booking
/// mails per <see cref="RateLimitSettings.BookingMailWindow"/> from each front end (counted without
/// quotes, "+tags" and Gmail's dots), and one organizer's page causes at most
/// <see cref="RateLimitSettings.BookingMailsPerOrganizer"/>, all counted before anything is queued.
/// At most <see cref="RateLimitSettings.MailsPerSecond"/> mails a second leave each front end, in
/// batches over one SMTP connection; a queue of <see cref="QueueLimit"/> absorbs bursts, beyond it
/// mails are dropped. Before sending, the booking is read again from its calendar (memory): a mail
/// whose news is no longer true (booked, then cancelled) or that waited over
/// <see cref="MaxDelay"/> is not sent. Every mail not sent is counted in <c>scheduler.mail.dropped</c>
/// by reason and logged at most once a minute per reason.
/// </para>
/// </summary>
public sealed class BookingMails : BackgroundService
{
    public const int QueueLimit = 10_000;

    /// <summary>Mails sent over one SMTP connection at most.</summary>
    private const int BatchLimit = 50;

    public static readonly TimeSpan MaxDelay = TimeSpan.FromHours(1);

    private static readonly LocalDateTimePattern When = LocalDateTimePattern.CreateWithInvariantCulture("dddd d MMMM uuuu, HH:mm");

    private static readonly LocalTimePattern Time = LocalTimePattern.CreateWithInvariantCulture("HH:mm");

    private readonly Channel<Queued> _queue = Channel.CreateBounded<Queued>(
        new BoundedChannelOptions(QueueLimit) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

    private readonly IGrainFactory _grains;
    private readonly IMailer _mailer;
    private readonly PublicUrl _publicUrl;
    private readonly RateLimitSettings _settings;
    private readonly TimeProvider _clock;
    private readonly ILogger<BookingMails> _logger;
    private readonly TokenBucketRateLimiter _rate;
    // Per-address counts, expiring with their window; when full, new addresses go uncounted (the
    // queue's bound still holds).
    private readonly MemoryCache _budgets = new(new MemoryCacheOptions { SizeLimit = 200_000 });
    private readonly Lock _budgetLock = new();
    private readonly Dictionary<string, (DateTimeOffset At, long Count)> _dropLog = [];

    /// <summary>A booking mail to prepare when it is sent, or (<see cref="Prepared"/>) one written already.</summary>
    private sealed record Queued(BookingMailKind Kind, BookingView Booking, string? ManageToken, DateTimeOffset QueuedAt, OutgoingMail? Prepared = null);

    public BookingMails(IGrainFactory grains, IMailer mailer, PublicUrl publicUrl, RateLimitSettings settings, TimeProvider clock,
        ILogger<BookingMails> logger)
    {
        _grains = grains;
        _mailer = mailer;
        _publicUrl = publicUrl;
        _settings = settings;
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
    }

    /// <summary>
    /// Addresses under the top-level domains reserved by RFC 2606 and RFC 6761 as never delivering
    /// (<c>.example</c>, <c>.invalid</c>) get no booking mail: it could only bounce. The load tester's
    /// bookers use <c>loadtest.example</c>.
    /// </summary>
    public static bool IsUndeliverable(string email) =>
        email.Trim().TrimEnd('.') is var address
        && (address.EndsWith(".example", StringComparison.OrdinalIgnoreCase) || address.EndsWith(".invalid", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The mailbox an address reaches, for counting: lower case, without a "+tag", the domain in
    /// ASCII (punycode), and Gmail's dots (which Gmail ignores) removed.
    /// </summary>
    public static string Mailbox(string email)
    {
        var address = email.Trim().ToLowerInvariant();
        var at = address.LastIndexOf('@');
        if (at <= 0) return address;
        // Quotes and escapes do not change the mailbox servers deliver to.
        var local = address[..at].Replace("\"", "", StringComparison.Ordinal).Replace("\\", "", StringComparison.Ordinal);
        var domain = address[(at + 1)..].TrimEnd('.');
        try { domain = new IdnMapping().GetAscii(domain); }
        catch (ArgumentException) { }
        if (local.IndexOf('+') is > 0 and var plus) local = local[..plus];
        if (domain is "gmail.com" or "googlemail.com")
        {
            local = local.Replace(".", "", StringComparison.Ordinal);
            domain = "gmail.com";
        }
        return local + "@" + domain;
    }

    /// <summary>Queues a mail about a stored booking to its booker (to its organizer for <see cref="BookingMailKind.RequestToOrganizer"/>). Never waits.</summary>
    public void Queue(BookingMailKind kind, BookingView booking, string? manageToken = null)
    {
        var toOrganizer = kind == BookingMailKind.RequestToOrganizer;
        if (!_mailer.IsConfigured || (!toOrganizer && IsUndeliverable(booking.Email))) return;
        var mailbox = Mailbox(booking.Email);
        var perMailbox = kind switch
        {
            BookingMailKind.Booked => "booked " + mailbox,
            // The organizer's mailbox, however many bookers; and any one booker's share of it.
            BookingMailKind.RequestToOrganizer => "requests " + booking.OrganizerId.ToString("N"),
            _ => "changes " + mailbox,
        };
        lock (_budgetLock)
        {
            if (toOrganizer && !Spend($"requests {booking.OrganizerId:N} from {mailbox}", RequestsPerBooker))
            {
                Dropped("address-limit", "Booking requests from one booker beyond their share were not mailed to the organizer");
                return;
            }
            if (!Spend(perMailbox, _settings.BookingMailsPerAddress))
            {
                Dropped("address-limit", "Booking mails to an address that had its share this hour were not sent");
                return;
            }
            // However many addresses: what one organizer's page can make Scheduler send.
            if (!Spend("organizer " + booking.OrganizerId.ToString("N"), _settings.BookingMailsPerOrganizer))
            {
                Dropped("organizer-limit", "Booking mails of an organizer that had its share this hour were not sent");
                return;
            }
        }
        if (!_queue.Writer.TryWrite(new Queued(kind, booking, manageToken, _clock.GetUtcNow())))
            Dropped("queue-full", $"The booking-mail queue was full ({QueueLimit} waiting): booking mails were dropped");
    }

    /// <summary>
    /// The mails of a booking just created: "booked" to the booker and, when it waits for the organizer,
    /// the request to the organizer. The caller says when: on the first answer, or on a replay whose
    /// first answer may not have arrived (<see cref="BookingOutcome.FirstAnswerUnknown"/>), while the
    /// booking is new.
    /// </summary>
    public void QueueCreated(BookingView booking, string? manageToken, bool replay = false)
    {
        if (replay && _clock.GetUtcNow() - booking.CreatedAt > CreatedMailWindow) return;
        Queue(BookingMailKind.Booked, booking, manageToken);
        if (booking.Status == BookingStatus.Pending) Queue(BookingMailKind.RequestToOrganizer, booking);
    }

    /// <summary>How long after its creation a booking's first mails may still go (a client retries within minutes).</summary>
    public static readonly TimeSpan CreatedMailWindow = TimeSpan.FromMinutes(15);

    /// <summary>Request mails one booker can cause to one organizer per window.</summary>
    private const int RequestsPerBooker = 3;

    /// <summary>Counts one against the budget (created for the window on first use); false when it is spent. Callers hold <see cref="_budgetLock"/>.</summary>
    private bool Spend(string budget, int limit)
    {
        var count = _budgets.GetOrCreate(budget, entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = _settings.BookingMailWindow;
            entry.Size = 1;
            return new StrongBox<int>();
        })!;
        return ++count.Value <= Math.Max(1, limit);
    }

    /// <summary>Counts one mail against a budget of this front end's (e.g. <see cref="BookingLinks"/>' per mailbox), per <see cref="RateLimitSettings.BookingMailWindow"/>; false when it is spent.</summary>
    public bool TrySpend(string budget, int limit)
    {
        lock (_budgetLock) return Spend(budget, limit);
    }

    /// <summary>
    /// Queues a mail written elsewhere (<see cref="BookingLinks"/>) to leave with the booking mails,
    /// under the same rate; <paramref name="about"/> is a booking it lists (for the queue's bookkeeping).
    /// </summary>
    public void QueuePrepared(OutgoingMail mail, BookingView about)
    {
        if (!_queue.Writer.TryWrite(new Queued(BookingMailKind.Booked, about, null, _clock.GetUtcNow(), mail)))
            Dropped("queue-full", $"The booking-mail queue was full ({QueueLimit} waiting): booking mails were dropped");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<(OutgoingMail Mail, Guid BookingId)>(BatchLimit);
        while (await _queue.Reader.WaitToReadAsync(stoppingToken))
        {
            batch.Clear();
            while (batch.Count < BatchLimit && _queue.Reader.TryRead(out var queued))
            {
                try
                {
                    if ((queued.Prepared ?? await PrepareAsync(queued)) is not { } mail) continue;
                    using var lease = await _rate.AcquireAsync(1, stoppingToken);
                    if (!lease.IsAcquired)
                    {
                        Dropped("failed", "The mail rate limiter refused a booking mail");
                        continue;
                    }
                    batch.Add((mail, queued.Booking.Id));
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    Dropped("failed", "A booking mail could not be prepared", e);
                }
            }
            if (batch.Count == 0) continue;
            try
            {
                var result = await _mailer.SendAllAsync(batch.Select(b => b.Mail).ToList(), stoppingToken);
                SchedulerMetrics.MailsSent.Add(result.Sent);
                for (var i = 0; i < result.Refused; i++) Dropped("refused", "The mail server refused booking mails");
                for (var i = 0; i < result.Failed; i++) Dropped("failed", "Booking mails could not be sent: the mail server could not be reached");
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                for (var i = 0; i < batch.Count; i++) Dropped("failed", "Booking mails could not be sent", e);
            }
        }
    }

    /// <summary>The mail to send, or null when it should not go (counted as dropped, with the reason).</summary>
    private async Task<OutgoingMail?> PrepareAsync(Queued queued)
    {
        var now = _clock.GetUtcNow();
        if (now - queued.QueuedAt > MaxDelay)
        {
            Dropped("stale", "Booking mails that waited over an hour were not sent");
            return null;
        }
        var calendar = _grains.GetGrain<ICalendarGrain>(queued.Booking.OrganizerId);
        var booking = await calendar.GetBooking(queued.Booking.Id);
        var stillTrue = booking is not null && queued.Kind switch
        {
            BookingMailKind.Booked => booking.Status != BookingStatus.Cancelled,
            BookingMailKind.Confirmed => booking.Status == BookingStatus.Confirmed,
            BookingMailKind.CancelledByOrganizer => booking.Status == BookingStatus.Cancelled,
            BookingMailKind.RequestToOrganizer => booking.Status == BookingStatus.Pending,
            _ => booking.Status == BookingStatus.Confirmed && booking.Start > now,
        };
        if (!stillTrue)
        {
            _logger.LogDebug("Booking mail {Kind} for {BookingId} no longer true: booking {Status}, starts {Start}, now {Now}",
                queued.Kind, queued.Booking.Id, booking?.Status, booking?.Start, now);
            Dropped("stale", "Booking mails whose news was no longer true (the booking changed since) were not sent");
            return null;
        }
        var organizer = await _grains.GetGrain<IUserGrain>(booking!.OrganizerId).Get();
        if (organizer is not { EmailVerified: true })
        {
            Dropped("organizer-unverified", "Booking mails of organizers whose address is not verified were not sent");
            return null;
        }
        if (queued.Kind == BookingMailKind.RequestToOrganizer && IsUndeliverable(organizer.Email))
        {
            Dropped("undeliverable", "Booking requests for organizers at reserved domains were not mailed");
            return null;
        }
        var token = queued.Kind == BookingMailKind.RequestToOrganizer ? null : queued.ManageToken ?? await calendar.GetManageToken(booking.Id);
        var (title, location) = await WhatAsync(calendar, booking);
        return Compose(queued.Kind, booking, organizer, title, location, token);
    }

    /// <summary>
    /// The booking's title and location as a mail shows them (one line each): from the event type in
    /// the calendar's memory, or for a withdrawn one from the booking's stored event.
    /// </summary>
    public static async Task<(string Title, string? Location)> WhatAsync(ICalendarGrain calendar, BookingView booking)
    {
        string? title, location;
        if (await calendar.GetEventType(booking.EventTypeId) is { } eventType) (title, location) = (eventType.Title, eventType.Location);
        else if (await calendar.GetEvent(booking.EventId) is { } occurrence) (title, location) = (occurrence.Title, occurrence.Location);
        else (title, location) = (null, null);
        return (OneLine(title, 120) ?? "Your booking", OneLine(location, 200));
    }

    /// <summary>"Monday 3 March 2031, 09:00 to 09:30 (Europe/Berlin)": in the organizer's zone, which the text names.</summary>
    public static string WhenText(BookingView booking, UserProfile organizer)
    {
        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(organizer.TimeZone) ?? DateTimeZone.Utc;
        var start = Instant.FromDateTimeOffset(booking.Start).InZone(zone);
        var end = Instant.FromDateTimeOffset(booking.End).InZone(zone);
        var until = end.Date == start.Date ? Time.Format(end.TimeOfDay) : When.Format(end.LocalDateTime);
        return $"{When.Format(start.LocalDateTime)} to {until} ({zone.Id})";
    }

    /// <summary>The links a booker's mail carries: the manage page and the calendar file.</summary>
    public (string Manage, string CalendarFile) Links(Guid bookingId, string token)
    {
        var query = "?token=" + Uri.EscapeDataString(token);
        return ($"{_publicUrl.Base}/manage/{bookingId}{query}", $"{_publicUrl.Base}/api/bookings/{bookingId}/calendar.ics{query}");
    }

    private OutgoingMail Compose(BookingMailKind kind, BookingView booking, UserProfile organizer, string title, string? location, string? token)
    {
        var host = OneLine(organizer.Name, 80) ?? "your host";
        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(organizer.TimeZone) ?? DateTimeZone.Utc;
        var start = Instant.FromDateTimeOffset(booking.Start).InZone(zone);
        var when = WhenText(booking, organizer);
        if (kind == BookingMailKind.RequestToOrganizer) return ComposeRequest(booking, organizer, title, when);

        var (subject, opening) = kind switch
        {
            BookingMailKind.Booked when booking.Status == BookingStatus.Pending =>
                ($"Requested: {title} with {host}", $"your booking request was received. {host} confirms each booking: you will get another mail when they confirm or decline it."),
            BookingMailKind.Booked => ($"Booked: {title} with {host}", "your booking is confirmed."),
            BookingMailKind.Confirmed => ($"Confirmed: {title} with {host}", $"{host} confirmed your booking."),
            BookingMailKind.Reminder => ($"Reminder: {title} with {host} at {Time.Format(start.TimeOfDay)}", "your booking starts soon."),
            _ when OneLine(booking.CancellationReason, 300) is { } reason =>
                ($"Cancelled: {title} with {host}", $"{host} cancelled your booking, saying: \"{reason}\""),
            _ => ($"Cancelled: {title} with {host}", $"{host} cancelled your booking."),
        };

        var text = new StringBuilder();
        text.Append("Hello,\n\n").Append(opening).Append("\n\n");
        text.Append("  What:  ").Append(title).Append('\n');
        text.Append("  When:  ").Append(when).Append('\n');
        text.Append("  With:  ").Append(host).Append('\n');
        if (location is not null) text.Append("  Where: ").Append(location).Append('\n');
        text.Append('\n');
        if (token is not null)
        {
            var (manage, calendarFile) = Links(booking.Id, token);
            if (kind != BookingMailKind.CancelledByOrganizer) text.Append("To see or cancel this booking:\n").Append(manage).Append("\n\n");
            text.Append("To add it to your calendar (or update the entry you added):\n").Append(calendarFile).Append("\n\n");
        }
        if (kind == BookingMailKind.CancelledByOrganizer) text.Append("Nothing more is needed from you.\n");
        else if (token is not null) text.Append("If you did not make this booking, someone typed your address: cancel it with the link above.\n");
        else text.Append("If you did not make this booking, someone typed your address: you can ignore this mail.\n");
        text.Append("\n-- \nSent by Scheduler for ").Append(host)
            .Append(", whose booking page this booking was made on. Replies to this mail reach no one.\n");
        return new OutgoingMail(booking.Email, subject, text.ToString());
    }

    /// <summary>
    /// To the organizer: a booking waits for them. The booker's name is the one thing of theirs in it
    /// (one line, cut short); notes and address are on the dashboard, which the mail links.
    /// </summary>
    private OutgoingMail ComposeRequest(BookingView booking, UserProfile organizer, string title, string when)
    {
        var booker = OneLine(booking.Name, 80) ?? "Someone";
        var text = new StringBuilder();
        text.Append("Hello,\n\n").Append("a booking waits for your confirmation: it holds the time until you confirm or decline it.\n\n");
        text.Append("  What:  ").Append(title).Append('\n');
        text.Append("  When:  ").Append(when).Append('\n');
        text.Append("  Who:   ").Append(booker).Append('\n').Append('\n');
        text.Append("Confirm or decline it on your dashboard:\n").Append(_publicUrl.Base).Append("/dashboard\n\n");
        text.Append("-- \nSent by Scheduler because \"").Append(title)
            .Append("\" asks you to confirm each booking. Only some requests are mailed when many arrive; the dashboard lists every one.\n");
        return new OutgoingMail(organizer.Email, $"Booking request: {title}, {when}", text.ToString());
    }

    /// <summary>Organizer-written text for one line of a mail: no control or format characters (line breaks, bidi overrides), spaces collapsed, cut at <paramref name="max"/>.</summary>
    public static string? OneLine(string? text, int max)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        // By code point, so a cut never splits a surrogate pair and characters beyond the BMP (tag
        // characters are format characters too) are judged whole; unpaired surrogates are dropped.
        var runes = new List<Rune>(Math.Min(text.Length, max + 1));
        var cut = false;
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune == Rune.ReplacementChar) continue;
            var category = Rune.GetUnicodeCategory(rune);
            var blank = Rune.IsControl(rune) || Rune.IsWhiteSpace(rune) || category is UnicodeCategory.Format
                or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate;
            if (blank)
            {
                if (runes.Count > 0 && runes[^1] != new Rune(' ')) runes.Add(new Rune(' '));
                continue;
            }
            if (runes.Count >= max) { cut = true; break; }
            runes.Add(rune);
        }
        while (runes.Count > 0 && runes[^1] == new Rune(' ')) runes.RemoveAt(runes.Count - 1);
        if (runes.Count == 0) return null;
        if (cut)
        {
            runes.RemoveRange(max - 1, runes.Count - (max - 1));
            while (runes.Count > 0 && runes[^1] == new Rune(' ')) runes.RemoveAt(runes.Count - 1);
            runes.Add(new Rune('…'));
        }
        var line = new StringBuilder();
        foreach (var rune in runes) line.Append(rune.ToString());
        return line.ToString();
    }

    /// <summary>Counts a mail not sent and logs it, at most once a minute per reason (with how many since).</summary>
    public void Dropped(string reason, string message, Exception? error = null)
    {
        SchedulerMetrics.MailsDropped.Add(1, new KeyValuePair<string, object?>("reason", reason));
        var now = _clock.GetUtcNow();
        long count;
        lock (_dropLog)
        {
            var (at, waiting) = _dropLog.GetValueOrDefault(reason, (DateTimeOffset.MinValue, 0));
            if (now - at < TimeSpan.FromMinutes(1))
            {
                _dropLog[reason] = (at, waiting + 1);
                return;
            }
            _dropLog[reason] = (now, 0);
            count = waiting + 1;
        }
        _logger.LogWarning(error, "{Message} ({Count} since the last such warning; scheduler.mail.dropped, reason {Reason})", message, count, reason);
    }

    public override void Dispose()
    {
        _rate.Dispose();
        _budgets.Dispose();
        base.Dispose();
    }
}

/// <summary>This front end's subscription to the mail relay, so silos can hand it mails (reminders).</summary>
public sealed class MailRelayClient(IGrainFactory grains, BookingMails mails, IMailer mailer, ILogger<MailRelayClient> logger) : BackgroundService, IMailObserver
{
    private IMailObserver? _reference;

    public Task OnBookingMail(BookingMail mail)
    {
        mails.Queue(mail.Kind, mail.Booking, mail.ManageToken);
        return Task.CompletedTask;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A front end that cannot send mail takes none: the relay gives it to one that can.
        if (!mailer.IsConfigured) return;
        _reference = grains.CreateObjectReference<IMailObserver>(this);
        using var timer = new PeriodicTimer(LiveRelay.RefreshPeriod);
        do
        {
            try
            {
                await grains.GetGrain<IMailRelayGrain>(0).Subscribe(_reference);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Could not subscribe to the mail relay; retrying next period");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_reference is not null)
        {
            try { await grains.GetGrain<IMailRelayGrain>(0).Unsubscribe(_reference).WaitAsync(TimeSpan.FromSeconds(2), cancellationToken); }
            catch (Exception e) when (e is not OutOfMemoryException) { logger.LogDebug(e, "Unsubscribe from the mail relay skipped"); }
            try { grains.DeleteObjectReference<IMailObserver>(_reference); }
            catch (ArgumentException e) { logger.LogDebug(e, "Mail observer reference already released"); }
        }
        await base.StopAsync(cancellationToken);
    }
}
