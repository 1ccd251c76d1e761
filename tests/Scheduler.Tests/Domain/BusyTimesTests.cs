using NodaTime;
using Scheduler.Domain;

namespace Scheduler.Tests.Domain;

public sealed class BusyTimesTests
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 6, 1, 0, 0);

    private static Instant Minute(int m) => T0 + Duration.FromMinutes(m);

    private static BusyTimes Busy(params (int Start, int End)[] intervals) =>
        new(intervals.Select(i => new Interval(Minute(i.Start), Minute(i.End))));

    [Fact]
    public void Nothing_overlaps_an_empty_calendar()
    {
        Assert.False(BusyTimes.None.Overlaps(Minute(0), Minute(60)));
    }

    [Theory]
    [InlineData(0, 10, false)] // ends when the booking starts
    [InlineData(70, 80, false)] // starts when the booking ends
    [InlineData(0, 11, true)]
    [InlineData(69, 80, true)]
    [InlineData(20, 30, true)] // inside
    [InlineData(0, 100, true)] // around
    public void Overlap_is_half_open(int start, int end, bool expected)
    {
        Assert.Equal(expected, Busy((10, 70)).Overlaps(Minute(start), Minute(end)));
    }

    [Fact]
    public void Unsorted_overlapping_and_touching_intervals_are_merged()
    {
        var busy = Busy((50, 60), (0, 10), (5, 20), (20, 30), (100, 110));

        Assert.Equal(3, busy.Count);
        Assert.True(busy.Overlaps(Minute(25), Minute(26)));
        Assert.False(busy.Overlaps(Minute(30), Minute(50)));
        Assert.True(busy.Overlaps(Minute(30), Minute(51)));
        Assert.False(busy.Overlaps(Minute(110), Minute(200)));
    }

    [Fact]
    public void An_open_ended_interval_blocks_everything_after_its_start()
    {
        var busy = new BusyTimes([new Interval(Minute(10), null)]);

        Assert.True(busy.Overlaps(Minute(1_000_000), Minute(1_000_030)));
        Assert.False(busy.Overlaps(Minute(0), Minute(10)));
    }
}
