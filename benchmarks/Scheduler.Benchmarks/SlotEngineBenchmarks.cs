using BenchmarkDotNet.Attributes;
using NodaTime;
using Scheduler.Domain;

namespace Scheduler.Benchmarks;

/// <summary>
/// One busy organizer in Europe/Berlin: weekdays 09:00–17:00 and Saturday mornings, 30-minute
/// slots every 15 minutes with 10-minute buffers, a day and week limit, 2 000 active bookings over
/// the surrounding year (about 170 in the listed month), 40 date overrides and 30 blocks. Measures
/// what the calendar grain does per call: list 31 days, and decide one booking. The 20 000-booking
/// run keeps the same density over ten years: the cost should barely move, since it grows with
/// the bookings in the range and only logarithmically with the rest.
/// </summary>
[MemoryDiagnoser]
public class SlotEngineBenchmarks
{
    [Params(2000, 20000)]
    public int BookingCount { get; set; }

    private static readonly DateTimeZone Berlin = DateTimeZoneProviders.Tzdb["Europe/Berlin"];
    private static readonly Instant Now = Instant.FromUtc(2026, 6, 1, 6, 0);

    private SlotRequest _request = null!;
    private BookedTime[] _bookings = null!;
    private Instant _rangeStart;
    private Instant _rangeEnd;
    private Instant _freeStart;
    private Instant _takenStart;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(20261129);
        IsoDayOfWeek[] weekdays = [IsoDayOfWeek.Monday, IsoDayOfWeek.Tuesday, IsoDayOfWeek.Wednesday, IsoDayOfWeek.Thursday, IsoDayOfWeek.Friday];
        List<WeeklyRule> rules = [.. weekdays.Select(d => new WeeklyRule(d, 9 * 60, 17 * 60)), new WeeklyRule(IsoDayOfWeek.Saturday, 9 * 60, 12 * 60)];

        // Bookings on the 15-minute grid around 1 June 2026, 30 minutes each, about 5.5 a day.
        var days = BookingCount * 366 / 2000;
        var origin = new LocalDate(2026, 6, 1).PlusDays(-days / 2);
        var bookings = new List<BookedTime>();
        var taken = new HashSet<Instant>();
        while (bookings.Count < BookingCount)
        {
            var date = origin.PlusDays(random.Next(days));
            var start = date.At(new LocalTime(9, 0).PlusMinutes(15 * random.Next(28))).InZoneLeniently(Berlin).ToInstant();
            if (taken.Add(start))
            {
                bookings.Add(new BookedTime(start, start + Duration.FromMinutes(30), Duration.FromMinutes(10), Duration.FromMinutes(10)));
            }
        }

        _bookings = [.. bookings];
        var overrides = Enumerable.Range(0, 40)
            .Select(i => new LocalDate(2026, 6, 1).PlusDays(i * 9 - 180))
            .Select((date, i) => i % 2 == 0 ? DateOverride.Unavailable(date) : new DateOverride(date, [new TimeWindow(13 * 60, 18 * 60)]))
            .ToList();
        var blocks = Enumerable.Range(0, 30)
            .Select(i => Now + Duration.FromDays(i * 12 - 180) + Duration.FromHours(5))
            .Select(start => new Interval(start, start + Duration.FromHours(3)));

        _request = SlotRequest.For(
            Berlin,
            rules,
            new EventTypeSettings(30)
            {
                SlotIntervalMinutes = 15,
                BufferBeforeMinutes = 10,
                BufferAfterMinutes = 10,
                MinimumNoticeMinutes = 120,
                MaxDaysInFuture = 60,
                MaxBookingsPerDay = 12,
                MaxBookingsPerWeek = 50,
            },
            BusyTimes.FromBookings(_bookings),
            Now) with
        {
            Overrides = overrides,
            Blocked = new BusyTimes(blocks),
            EventTypeBookings = new BookingStarts(_bookings.Select(b => b.Start)),
        };
        (_rangeStart, _rangeEnd) = SlotEngine.DateRange(new LocalDate(2026, 6, 1), new LocalDate(2026, 7, 1), Berlin);

        var listed = SlotEngine.Slots(_request, _rangeStart, _rangeEnd);
        _freeStart = listed[listed.Count / 2].Start;
        _takenStart = _bookings.Where(b => b.Start > Now + Duration.FromDays(2)).Min(b => b.Start);
        if (SlotEngine.Classify(_request, _freeStart) != StartVerdict.Offered || SlotEngine.Classify(_request, _takenStart) != StartVerdict.Taken)
        {
            throw new InvalidOperationException("The benchmark's starts are not what it claims to measure.");
        }

        var inRange = _bookings.Count(b => b.Start >= _rangeStart && b.Start < _rangeEnd);
        Console.WriteLine($"// {listed.Count} slots offered over 31 days; {BookingCount} bookings, {inRange} of them in the range");
    }

    /// <summary>GET slots for 31 days.</summary>
    [Benchmark]
    public int List31Days() => SlotEngine.Slots(_request, _rangeStart, _rangeEnd).Count;

    /// <summary>The booking decision for an offered start.</summary>
    [Benchmark]
    public StartVerdict DecideFreeStart() => SlotEngine.Classify(_request, _freeStart);

    /// <summary>The booking decision for a start another booking holds (409).</summary>
    [Benchmark]
    public StartVerdict DecideTakenStart() => SlotEngine.Classify(_request, _takenStart);

    /// <summary>Rebuilding the busy index from every booking, as after a cancellation.</summary>
    [Benchmark]
    public int RebuildBusyTimes() => BusyTimes.FromBookings(_bookings).Count;

    /// <summary>Adding one new booking to the busy index, as after a booking decision.</summary>
    [Benchmark]
    public int AddOneBooking() => _request.Busy.With(_request.BookingAt(_freeStart).Blocks).Count;
}
