using Scheduler.Web.Mail;

namespace Scheduler.IntegrationTests;

/// <summary>
/// What booking mails do with text they did not write (README, "Booking mails"): organizer text on one
/// line, and the mailbox an address is counted as.
/// </summary>
public sealed class BookingMailTextTests
{
    [Theory]
    [InlineData("Intro call", 80, "Intro call")]
    [InlineData("  Line one\r\n\r\nLine two\t\tend  ", 80, "Line one Line two end")]
    [InlineData("Pay at http://x.example/\u202Egnp.exe", 80, "Pay at http://x.example/ gnp.exe")] // right-to-left override
    [InlineData("a\u200Bb\u2028c\u0085d", 80, "a b c d")] // zero-width space, line separator, next line
    [InlineData("tag\U000E0041\U000E0042s", 80, "tag s")] // invisible tag characters beyond the BMP
    [InlineData("broken \uD800 surrogate", 80, "broken surrogate")]
    [InlineData("\r\n\t ", 80, null)]
    [InlineData("abcdefghij", 10, "abcdefghij")]
    [InlineData("abcdefghijk", 10, "abcdefghi…")]
    [InlineData("abcd efghijk", 5, "abcd…")] // a cut on a space keeps its ellipsis
    [InlineData("😀😀😀😀", 3, "😀😀…")] // cut by character, never inside a surrogate pair
    public void Organizer_text_goes_in_on_one_line_without_invisible_or_control_characters_cut_at_a_character(string text, int max, string? expected) =>
        Assert.Equal(expected, BookingMails.OneLine(text, max));

    [Theory]
    [InlineData("Ada@Example.com", "ada@example.com")]
    [InlineData("ada+newsletter@example.com", "ada@example.com")]
    [InlineData("\"ada\"@example.com", "ada@example.com")]
    [InlineData("a.d.a+x@GoogleMail.com", "ada@gmail.com")]
    [InlineData("a.d.a@example.com", "a.d.a@example.com")] // dots count outside Gmail
    [InlineData("ada@bücher.example", "ada@xn--bcher-kva.example")]
    [InlineData("ada@xn--bcher-kva.example", "ada@xn--bcher-kva.example")]
    public void Addresses_that_reach_one_mailbox_count_as_one(string address, string mailbox) =>
        Assert.Equal(mailbox, BookingMails.Mailbox(address));

    [Theory]
    [InlineData("booker-1@loadtest.example", true)]
    [InlineData("someone@nowhere.invalid.", true)]
    [InlineData("someone@example.com", false)]
    [InlineData("someone@examples.org", false)]
    public void Reserved_domains_get_no_booking_mail(string address, bool undeliverable) =>
        Assert.Equal(undeliverable, BookingMails.IsUndeliverable(address));
}
