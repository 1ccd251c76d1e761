using System.Globalization;
using NodaTime;
using NodaTime.Text;
using Scheduler.Domain;

namespace Scheduler.Tests.Domain;

/// <summary>Small builders so each test reads as the rule it checks.</summary>
internal static class SlotTestKit
{
    public static readonly DateTimeZone Berlin = DateTimeZoneProviders.Tzdb["Europe/Berlin"];
    public static readonly DateTimeZone Kolkata = DateTimeZoneProviders.Tzdb["Asia/Kolkata"];
    public static readonly DateTimeZone Adelaide = DateTimeZoneProviders.Tzdb["Australia/Adelaide"];
    public static readonly DateTimeZone LosAngeles = DateTimeZoneProviders.Tzdb["America/Los_Angeles"];

    /// <summary>Long before every date the tests use, so nothing counts as past unless a test says so.</summary>
    public static readonly Instant LongAgo = Instant.FromUtc(2000, 1, 1, 0, 0);

    private static readonly ZonedDateTimePattern LocalWithOffset =
        ZonedDateTimePattern.CreateWithInvariantCulture("HH:mmo<g>", DateTimeZoneProviders.Tzdb);

    public static WeeklyRule Rule(string day, string start, string end) =>
        AvailabilityRules.TryParse(day, start, end, out var rule, out var error)
            ? rule
            : throw new ArgumentException(error);

    public static SlotRequest Request(
        DateTimeZone zone,
        int minutes,
        IEnumerable<WeeklyRule> rules,
        IEnumerable<Interval>? busy = null,
        Instant? now = null) =>
        new(zone, [.. rules], Duration.FromMinutes(minutes), new BusyTimes(busy ?? []), now ?? LongAgo);

    public static LocalDate Date(string isoDate) => LocalDatePattern.Iso.Parse(isoDate).Value;

    /// <summary>An instant from "2026-03-29T01:00+01" style text, offset included so tests are unambiguous.</summary>
    public static Instant At(string text) =>
        OffsetDateTimePattern.CreateWithInvariantCulture("uuuu-MM-dd'T'HH:mmo<g>").Parse(text).Value.ToInstant();

    /// <summary>Slots starting on one organizer-local date.</summary>
    public static IReadOnlyList<Slot> SlotsOn(SlotRequest request, string isoDate) =>
        SlotEngine.Slots(request, DayStart(request.OrganizerZone, isoDate), DayStart(request.OrganizerZone, Date(isoDate).PlusDays(1)));

    public static IEnumerable<string> Starts(IEnumerable<Slot> slots, DateTimeZone zone) =>
        slots.Select(s => LocalWithOffset.Format(s.Start.InZone(zone)));

    public static string Local(Instant instant, DateTimeZone zone) =>
        instant.InZone(zone).ToString("uuuu-MM-dd'T'HH:mmo<g>", CultureInfo.InvariantCulture);

    private static Instant DayStart(DateTimeZone zone, string isoDate) => DayStart(zone, Date(isoDate));

    private static Instant DayStart(DateTimeZone zone, LocalDate date) => date.AtStartOfDayInZone(zone).ToInstant();
}
