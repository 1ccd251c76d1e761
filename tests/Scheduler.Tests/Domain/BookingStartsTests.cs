using NodaTime;
using Scheduler.Domain;

namespace Scheduler.Tests.Domain;

public sealed class BookingStartsTests
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 6, 1, 0, 0);

    private static Instant Minute(int m) => T0 + Duration.FromMinutes(m);

    [Fact]
    public void Counting_is_half_open_and_ignores_input_order()
    {
        var starts = new BookingStarts([Minute(30), Minute(10), Minute(20), Minute(20)]);

        Assert.Equal(4, starts.CountIn(Minute(10), Minute(31)));
        Assert.Equal(3, starts.CountIn(Minute(10), Minute(30)));
        Assert.Equal(2, starts.CountIn(Minute(11), Minute(30)));
        Assert.Equal(0, starts.CountIn(Minute(30), Minute(10)));
    }

    [Fact]
    public void Adding_a_start_is_the_same_as_building_with_it()
    {
        var before = new BookingStarts([Minute(10), Minute(30)]);

        var after = before.With(Minute(20));

        Assert.Equal([Minute(10), Minute(20), Minute(30)], after.Between(Minute(0), Minute(100)).ToArray());
        Assert.Equal(2, before.Count);
    }
}
