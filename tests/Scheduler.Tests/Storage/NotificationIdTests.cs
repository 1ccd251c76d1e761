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
}
