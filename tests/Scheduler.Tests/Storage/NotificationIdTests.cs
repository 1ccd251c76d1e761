using Scheduler.Storage;

namespace Scheduler.Tests.Storage;

/// <summary>Marking a notification read narrows the index range by the time inside its UUIDv7 id.</summary>
public sealed class NotificationIdTests
{
    [Fact]
    public void A_UUIDv7_says_the_millisecond_it_was_made_in()
    {
        var sent = new DateTimeOffset(2031, 3, 3, 9, 30, 15, 123, TimeSpan.Zero).AddTicks(4567);
        Assert.Equal(new DateTimeOffset(2031, 3, 3, 9, 30, 15, 123, TimeSpan.Zero), NotificationStore.SentAtOf(Guid.CreateVersion7(sent)));
    }

    [Fact]
    public void Other_versions_say_nothing()
    {
        Assert.Null(NotificationStore.SentAtOf(Guid.NewGuid()));
        Assert.Null(NotificationStore.SentAtOf(Guid.Empty));
        Assert.Null(NotificationStore.SentAtOf(Guid.AllBitsSet));
    }

    [Fact]
    public void Times_too_late_for_a_window_around_them_say_nothing()
    {
        // 9999-12-31T23:59:59.999Z and .998Z: the two milliseconds after them do not exist.
        Assert.Null(NotificationStore.SentAtOf(Guid.Parse("e677d21f-dbff-7000-8000-000000000000")));
        Assert.Null(NotificationStore.SentAtOf(Guid.Parse("e677d21f-dbfe-7000-8000-000000000000")));
        Assert.Equal(DateTimeOffset.MaxValue.AddMilliseconds(-2).AddTicks(-9999),
            NotificationStore.SentAtOf(Guid.Parse("e677d21f-dbfd-7000-8000-000000000000")));
    }
}
