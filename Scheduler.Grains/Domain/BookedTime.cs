using NodaTime;

namespace Scheduler.Domain;

/// <summary>
/// An active booking as the organizer's calendar sees it: its own time and the buffers its event
/// type asks for around it. The booking blocks [Start − BufferBefore, End + BufferAfter).
/// </summary>
public readonly record struct BookedTime(Instant Start, Instant End, Duration BufferBefore, Duration BufferAfter)
{
    public BookedTime(Instant start, Instant end)
        : this(start, end, Duration.Zero, Duration.Zero)
    {
    }

    /// <summary>The time this booking keeps anyone else from using, buffers included.</summary>
    public Interval Blocks => new(Start - BufferBefore, End + BufferAfter);
}
