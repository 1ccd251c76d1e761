using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Caching.Memory;

namespace Scheduler.Web.Mail;

/// <summary>
/// "Lost your link?": <c>POST /api/bookings/links</c> queues an address and answers at once, the same
/// whether or not anything was booked with it (neither the answer nor its timing says); this service
/// then mails the address the links to its upcoming bookings (pending or confirmed, not ended, at most
/// <see cref="MostListed"/>, earliest first) — the manage links, which only the address's owner reads.
/// At most <see cref="PerMailbox"/> such mails per mailbox an hour from each front end (counted like
/// booking mails, <see cref="BookingMails.Mailbox"/>), and none when nothing is upcoming.
/// </summary>
public sealed class BookingLinks(IGrainFactory grains, IMailer mailer, BookingMails bookingMails, ILogger<BookingLinks> logger)
    : BackgroundService
{
    public const int MostListed = 20;
    public const int PerMailbox = 3;
    private const int QueueLimit = 1000;

    private readonly Channel<string> _requests = Channel.CreateBounded<string>(
        new BoundedChannelOptions(QueueLimit) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

    private readonly MemoryCache _budgets = new(new MemoryCacheOptions { SizeLimit = 100_000 });
    private readonly Lock _budgetLock = new();

    /// <summary>Queues a mail of the address's upcoming bookings. Never waits, never says.</summary>
    public void Request(string email)
    {
        if (!mailer.IsConfigured || BookingMails.IsUndeliverable(email)) return;
        lock (_budgetLock)
        {
            var count = _budgets.GetOrCreate(BookingMails.Mailbox(email), entry =>
            {
                entry.AbsoluteExpirationRelativeToNow = TimeSpan.FromHours(1);
                entry.Size = 1;
                return new StrongBox<int>();
            })!;
            if (++count.Value > PerMailbox)
            {
                SchedulerMetrics.MailsDropped.Add(1, new KeyValuePair<string, object?>("reason", "address-limit"));
                return;
            }
        }
        if (!_requests.Writer.TryWrite(email))
        {
            SchedulerMetrics.MailsDropped.Add(1, new KeyValuePair<string, object?>("reason", "queue-full"));
            logger.LogWarning("Booking-links queue full: a request was dropped");
        }
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
                // Asking again sends them again.
                SchedulerMetrics.MailsDropped.Add(1, new KeyValuePair<string, object?>("reason", "failed"));
                logger.LogWarning(e, "A booking-links mail could not be sent");
            }
        }
    }

    private async Task SendAsync(string email, CancellationToken cancellationToken)
    {
        if (await grains.GetGrain<IEmailGrain>(GrainKeys.Email(email)).GetCredentials() is not { } known) return;
        var upcoming = await grains.GetGrain<IUserGrain>(known.UserId).UpcomingBookingsForMail(MostListed);
        if (upcoming.Count == 0) return;
        var address = (await grains.GetGrain<IUserGrain>(known.UserId).Get())?.Email ?? email;

        var text = new StringBuilder();
        text.Append("Hello,\n\nsomeone (we hope you) asked for the links to the bookings made with this address.\n");
        text.Append(upcoming.Count == 1 ? "Here is the one coming up:\n" : $"Here are the {upcoming.Count} coming up, earliest first:\n");
        var listed = 0;
        foreach (var booking in upcoming)
        {
            var calendar = grains.GetGrain<ICalendarGrain>(booking.OrganizerId);
            if (await calendar.GetManageToken(booking.Id) is not { } token) continue;
            var organizer = await grains.GetGrain<IUserGrain>(booking.OrganizerId).Get();
            if (organizer is null) continue;
            var (title, _) = await BookingMails.WhatAsync(calendar, booking);
            var (manage, calendarFile) = bookingMails.Links(booking.Id, token);
            text.Append("\n  ").Append(title).Append(" with ").Append(BookingMails.OneLine(organizer.Name, 80) ?? "your host")
                .Append(booking.Status == BookingStatus.Pending ? " (waiting for confirmation)" : "").Append('\n');
            text.Append("  ").Append(BookingMails.WhenText(booking, organizer)).Append('\n');
            text.Append("  See or cancel: ").Append(manage).Append('\n');
            text.Append("  Calendar file: ").Append(calendarFile).Append('\n');
            listed++;
        }
        if (listed == 0) return;
        text.Append("\nIf you did not ask for this mail, you can ignore it: the links work only for whoever holds this mail.\n");
        await mailer.SendAsync(address, "Your upcoming bookings", text.ToString(), cancellationToken);
        SchedulerMetrics.MailsSent.Add(1);
    }

    public override void Dispose()
    {
        _budgets.Dispose();
        base.Dispose();
    }
}
