using NodaTime;
using Scheduler.Domain;
using static Scheduler.Tests.Domain.SlotTestKit;

namespace Scheduler.Tests.Domain;

/// <summary>
/// Slots on every clock-change day of 2026 and 2027 in seven zones, written out instant by instant
/// (each as local time with its offset). The transition dates and times below were read from
/// NodaTime's tzdb (2026f) and are pinned by <see cref="The_tzdb_transitions_are_the_ones_this_table_was_written_for"/>,
/// so a tzdb change that moves them fails there first rather than as a puzzling slot difference.
/// Asia/Kolkata has no daylight saving and America/Sao_Paulo none since 2019: their rows show
/// unchanged offsets on the days the others change (Sao Paulo on its former change days).
/// </summary>
public sealed class DaylightSavingTableTests
{
    // Expected: instant by instant, as "uuuu-MM-ddTHH:mm±hh[:mm]".
    [Theory]
    // Europe/London: 01:00 GMT → 02:00 BST (gap 01:00–02:00); 02:00 BST → 01:00 GMT (01:00–02:00 twice).
    [InlineData("Europe/London", "2026-03-29", "00:00", "04:00", 60,
        "2026-03-29T00:00+00", "2026-03-29T02:00+01", "2026-03-29T03:00+01")]
    [InlineData("Europe/London", "2026-10-25", "00:00", "04:00", 60,
        "2026-10-25T00:00+01", "2026-10-25T01:00+01", "2026-10-25T01:00+00", "2026-10-25T02:00+00", "2026-10-25T03:00+00")]
    [InlineData("Europe/London", "2027-03-28", "00:00", "04:00", 60,
        "2027-03-28T00:00+00", "2027-03-28T02:00+01", "2027-03-28T03:00+01")]
    [InlineData("Europe/London", "2027-10-31", "00:00", "04:00", 60,
        "2027-10-31T00:00+01", "2027-10-31T01:00+01", "2027-10-31T01:00+00", "2027-10-31T02:00+00", "2027-10-31T03:00+00")]
    // America/New_York: 02:00 EST → 03:00 EDT; 02:00 EDT → 01:00 EST.
    [InlineData("America/New_York", "2026-03-08", "00:00", "04:00", 60,
        "2026-03-08T00:00-05", "2026-03-08T01:00-05", "2026-03-08T03:00-04")]
    [InlineData("America/New_York", "2026-11-01", "00:00", "04:00", 60,
        "2026-11-01T00:00-04", "2026-11-01T01:00-04", "2026-11-01T01:00-05", "2026-11-01T02:00-05", "2026-11-01T03:00-05")]
    [InlineData("America/New_York", "2027-03-14", "00:00", "04:00", 60,
        "2027-03-14T00:00-05", "2027-03-14T01:00-05", "2027-03-14T03:00-04")]
    [InlineData("America/New_York", "2027-11-07", "00:00", "04:00", 60,
        "2027-11-07T00:00-04", "2027-11-07T01:00-04", "2027-11-07T01:00-05", "2027-11-07T02:00-05", "2027-11-07T03:00-05")]
    // America/Sao_Paulo: -03 all year; the first Sunday of November and third Sunday of February were change days until 2019.
    [InlineData("America/Sao_Paulo", "2026-11-01", "00:00", "04:00", 60,
        "2026-11-01T00:00-03", "2026-11-01T01:00-03", "2026-11-01T02:00-03", "2026-11-01T03:00-03")]
    [InlineData("America/Sao_Paulo", "2027-02-21", "00:00", "04:00", 60,
        "2027-02-21T00:00-03", "2027-02-21T01:00-03", "2027-02-21T02:00-03", "2027-02-21T03:00-03")]
    // Australia/Sydney: 03:00 AEDT → 02:00 AEST (02:00–03:00 twice) in April; 02:00 AEST → 03:00 AEDT in October.
    [InlineData("Australia/Sydney", "2026-04-05", "00:00", "04:00", 60,
        "2026-04-05T00:00+11", "2026-04-05T01:00+11", "2026-04-05T02:00+11", "2026-04-05T02:00+10", "2026-04-05T03:00+10")]
    [InlineData("Australia/Sydney", "2026-10-04", "00:00", "04:00", 60,
        "2026-10-04T00:00+10", "2026-10-04T01:00+10", "2026-10-04T03:00+11")]
    [InlineData("Australia/Sydney", "2027-04-04", "00:00", "04:00", 60,
        "2027-04-04T00:00+11", "2027-04-04T01:00+11", "2027-04-04T02:00+11", "2027-04-04T02:00+10", "2027-04-04T03:00+10")]
    [InlineData("Australia/Sydney", "2027-10-03", "00:00", "04:00", 60,
        "2027-10-03T00:00+10", "2027-10-03T01:00+10", "2027-10-03T03:00+11")]
    // Australia/Lord_Howe: half-hour shifts: 02:00 (+11) → 01:30 (+10:30), so 01:30–02:00 twice; 02:00 (+10:30) → 02:30 (+11).
    [InlineData("Australia/Lord_Howe", "2026-04-05", "00:00", "03:00", 30,
        "2026-04-05T00:00+11", "2026-04-05T00:30+11", "2026-04-05T01:00+11", "2026-04-05T01:30+11",
        "2026-04-05T01:30+10:30", "2026-04-05T02:00+10:30", "2026-04-05T02:30+10:30")]
    [InlineData("Australia/Lord_Howe", "2026-10-04", "00:00", "03:00", 30,
        "2026-10-04T00:00+10:30", "2026-10-04T00:30+10:30", "2026-10-04T01:00+10:30", "2026-10-04T01:30+10:30",
        "2026-10-04T02:30+11")]
    [InlineData("Australia/Lord_Howe", "2027-04-04", "00:00", "03:00", 30,
        "2027-04-04T00:00+11", "2027-04-04T00:30+11", "2027-04-04T01:00+11", "2027-04-04T01:30+11",
        "2027-04-04T01:30+10:30", "2027-04-04T02:00+10:30", "2027-04-04T02:30+10:30")]
    [InlineData("Australia/Lord_Howe", "2027-10-03", "00:00", "03:00", 30,
        "2027-10-03T00:00+10:30", "2027-10-03T00:30+10:30", "2027-10-03T01:00+10:30", "2027-10-03T01:30+10:30",
        "2027-10-03T02:30+11")]
    // Asia/Kolkata: +05:30 all year, on the days Europe and the US change.
    [InlineData("Asia/Kolkata", "2026-03-29", "00:00", "04:00", 60,
        "2026-03-29T00:00+05:30", "2026-03-29T01:00+05:30", "2026-03-29T02:00+05:30", "2026-03-29T03:00+05:30")]
    [InlineData("Asia/Kolkata", "2026-11-01", "00:00", "04:00", 60,
        "2026-11-01T00:00+05:30", "2026-11-01T01:00+05:30", "2026-11-01T02:00+05:30", "2026-11-01T03:00+05:30")]
    // Pacific/Chatham: 45-minute offsets: 03:45 (+13:45) → 02:45 (+12:45), so 02:45–03:45 twice; 02:45 (+12:45) → 03:45 (+13:45).
    [InlineData("Pacific/Chatham", "2026-04-05", "01:45", "04:45", 60,
        "2026-04-05T01:45+13:45", "2026-04-05T02:45+13:45", "2026-04-05T02:45+12:45", "2026-04-05T03:45+12:45")]
    [InlineData("Pacific/Chatham", "2026-09-27", "01:45", "04:45", 60,
        "2026-09-27T01:45+12:45", "2026-09-27T03:45+13:45")]
    [InlineData("Pacific/Chatham", "2027-04-04", "01:45", "04:45", 60,
        "2027-04-04T01:45+13:45", "2027-04-04T02:45+13:45", "2027-04-04T02:45+12:45", "2027-04-04T03:45+12:45")]
    [InlineData("Pacific/Chatham", "2027-09-26", "01:45", "04:45", 60,
        "2027-09-26T01:45+12:45", "2027-09-26T03:45+13:45")]
    public void Slots_on_a_clock_change_day_are_exactly_these_instants(
        string zoneId, string date, string from, string to, int minutes, params string[] expected)
    {
        var zone = DateTimeZoneProviders.Tzdb[zoneId];
        var day = Date(date).DayOfWeek;
        var request = Request(zone, minutes, [Rule(AvailabilityRules.FormatDay(day), from, to)]);

        var slots = SlotsOn(request, date);

        Assert.Equal(expected.Select(At), slots.Select(s => s.Start));
        Assert.All(slots, s => Assert.Equal(Duration.FromMinutes(minutes), s.End - s.Start));
        // Deciding agrees with listing on every listed start.
        Assert.All(slots, s => Assert.Equal(StartVerdict.Offered, SlotEngine.Classify(request, s.Start)));
    }

    [Theory]
    [InlineData("Europe/London", "2026-03-29T01:00Z", "2026-10-25T01:00Z", "2027-03-28T01:00Z", "2027-10-31T01:00Z")]
    [InlineData("America/New_York", "2026-03-08T07:00Z", "2026-11-01T06:00Z", "2027-03-14T07:00Z", "2027-11-07T06:00Z")]
    [InlineData("America/Sao_Paulo")]
    [InlineData("Australia/Sydney", "2026-04-04T16:00Z", "2026-10-03T16:00Z", "2027-04-03T16:00Z", "2027-10-02T16:00Z")]
    [InlineData("Australia/Lord_Howe", "2026-04-04T15:00Z", "2026-10-03T15:30Z", "2027-04-03T15:00Z", "2027-10-02T15:30Z")]
    [InlineData("Asia/Kolkata")]
    [InlineData("Pacific/Chatham", "2026-04-04T14:00Z", "2026-09-26T14:00Z", "2027-04-03T14:00Z", "2027-09-25T14:00Z")]
    public void The_tzdb_transitions_are_the_ones_this_table_was_written_for(string zoneId, params string[] transitionsUtc)
    {
        var zone = DateTimeZoneProviders.Tzdb[zoneId];
        var from = Instant.FromUtc(2026, 1, 1, 0, 0);
        var to = Instant.FromUtc(2028, 1, 1, 0, 0);

        var transitions = zone.GetZoneIntervals(from, to).Where(i => i.HasStart && i.Start > from).Select(i => i.Start);

        Assert.Equal(transitionsUtc.Select(t => At(t.Replace("Z", "+00"))), transitions);
    }
}
