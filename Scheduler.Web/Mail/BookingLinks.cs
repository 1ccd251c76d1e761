using System.Text;
using System.Threading.Channels;

namespace Scheduler.Web.Mail;

/// <summary>
/// "Lost your link?": <c>POST /api/bookings/links</c> queues an address and answers at once, the same
/// whether or not anything was booked with it (neither the answer nor its timing says); this service
/// then mails the address the links to its upcoming bookings (pending or confirmed, not ended, at most
/// <see cref="MostListed"/>, earliest first, on the pages of verified organizers) — the manage links,
/// which only the address's owner reads. At most <see cref="PerMailbox"/> such mails per mailbox an
/// hour from each front end (counted like booking mails, <see cref="BookingMails.Mailbox"/>), none when
/// nothing is upcoming; they leave with the booking mails, under their rate.
/// </summary>
public sealed class BookingLinks(IGrainFactory grains, IMailer mailer, BookingMails bookingMails)
    : BackgroundService
{
    public const int MostListed = 20;
    public const int PerMailbox = 3;
    private const int QueueLimit = 1000;

    private readonly Channel<string> _requests = Channel.CreateBounded<string>(
        new BoundedChannelOptions(QueueLimit) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

    /// <summary>Queues a mail of the address's upcoming bookings. Never waits, never says.</summary>
    public void Request(string email)
    {
        if (!mailer.IsConfigured || BookingMails.IsUndeliverable(email)) return;
        if (!bookingMails.TrySpend("links " + BookingMails.Mailbox(email), PerMailbox))
        {
            bookingMails.Dropped("address-limit", "Booking-link mails to an address that had its share this hour were not sent");
            return;
        }
        if (!_requests.Writer.TryWrite(email))
            bookingMails.Dropped("queue-full", $"The booking-links queue was full ({QueueLimit} waiting): requests were dropped");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var email in _requests.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await PrepareAsync(email);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // Asking again sends them again.
                bookingMails.Dropped("failed", "A booking-links mail could not be prepared", e);
            }
        }
    }

    /// <summary>
    /// The bookings made with this address (by the user who holds it: its account, or the password-less
    /// booker it stands for) on the pages of organizers whose address is verified, as one mail to the
    /// address as those bookings wrote it; it leaves with the booking mails, under their rate.
    /// </summary>
    private async Task PrepareAsync(string email)
    {
        if (await grains.GetGrain<IEmailGrain>(GrainKeys.Email(email)).GetCredentials() is not { } known) return;
        var mailbox = BookingMails.Mailbox(email);
        var listed = new List<(BookingView Booking, string Title, string Host, string When, string Manage, string CalendarFile)>();
        foreach (var booking in await grains.GetGrain<IUserGrain>(known.UserId).UpcomingBookingsForMail(MostListed * 2))
        {
            // Only what was booked with this address: a signed-in account may have booked with another.
            if (listed.Count == MostListed || BookingMails.Mailbox(booking.Email) != mailbox) continue;
            var organizer = await grains.GetGrain<IUserGrain>(booking.OrganizerId).Get();
            if (organizer is not { EmailVerified: true }) continue;
            var calendar = grains.GetGrain<ICalendarGrain>(booking.OrganizerId);
            if (await calendar.GetManageToken(booking.Id) is not { } token) continue;
            var (title, _) = await BookingMails.WhatAsync(calendar, booking);
            var (manage, calendarFile) = bookingMails.Links(booking.Id, token);
            listed.Add((booking, title, BookingMails.OneLine(organizer.Name, 80) ?? "your host", BookingMails.WhenText(booking, organizer), manage, calendarFile));
        }
        if (listed.Count == 0) return;

        var text = new StringBuilder();
        text.Append("Hello,\n\nsomeone (we hope you) asked for the links to the bookings made with this address.\n");
        text.Append(listed.Count == 1 ? "Here is the one coming up:\n" : $"Here are the {listed.Count} coming up, earliest first:\n");
        foreach (var item in listed)
        {
            text.Append("\n  ").Append(item.Title).Append(" with ").Append(item.Host)
                .Append(item.Booking.Status == BookingStatus.Pending ? " (waiting for confirmation)" : "").Append('\n');
            text.Append("  ").Append(item.When).Append('\n');
            text.Append("  See or cancel: ").Append(item.Manage).Append('\n');
            text.Append("  Calendar file: ").Append(item.CalendarFile).Append('\n');
        }
        text.Append("\nIf you did not ask for this mail, you can ignore it: the links work only for whoever holds this mail.\n");
        text.Append("\n-- \nSent by Scheduler, where these bookings were made. Replies to this mail reach no one.\n");
        bookingMails.QueuePrepared(new OutgoingMail(listed[0].Booking.Email, "Your upcoming bookings", text.ToString()), listed[0].Booking);
    }
}
