using NodaTime;

namespace Scheduler.Domain;

/// <summary>A bookable time: half-open [Start, End), End = Start + the event's duration.</summary>
public readonly record struct Slot(Instant Start, Instant End);
