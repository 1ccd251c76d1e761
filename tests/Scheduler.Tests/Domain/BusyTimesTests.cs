using FsCheck.Fluent;
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

    [Fact]
    public void Adding_an_interval_merges_it_with_every_neighbour_it_overlaps_or_touches()
    {
        var busy = Busy((0, 10), (20, 30), (40, 50), (60, 70));

        var added = busy.With(new Interval(Minute(30), Minute(45)));

        Assert.Equal(3, added.Count);
        Assert.Equal(4, busy.Count); // unchanged
        Assert.True(added.Overlaps(Minute(32), Minute(33)));
        Assert.False(added.Overlaps(Minute(50), Minute(60)));
        Assert.Equal(5, busy.With(new Interval(Minute(100), Minute(110))).Count);
        Assert.Equal(1, busy.With(new Interval(Minute(-5), Minute(80))).Count);
    }

    [FsCheck.Xunit.Property(MaxTest = 500)]
    public FsCheck.Property Adding_an_interval_is_the_same_as_building_with_it()
    {
        var interval =
            from start in Gen.Choose(0, 500)
            from length in Gen.Choose(0, 40)
            select new Interval(Minute(start), Minute(start + length));
        var cases =
            from all in Gen.ListOf(interval, 30)
            from count in Gen.Choose(0, 30)
            from extra in interval
            select (All: all.Take(count).ToList(), Extra: extra);
        return Prop.ForAll(Arb.From(cases), c =>
        {
            var incremental = new BusyTimes(c.All).With(c.Extra);
            var rebuilt = new BusyTimes(c.All.Append(c.Extra));
            return incremental.Count == rebuilt.Count &&
                Enumerable.Range(-5, 560).All(m =>
                    incremental.Overlaps(Minute(m), Minute(m + 1)) == rebuilt.Overlaps(Minute(m), Minute(m + 1)) &&
                    incremental.Overlaps(Minute(m), Minute(m + 7)) == rebuilt.Overlaps(Minute(m), Minute(m + 7)));
        });
    }
}
