namespace Scheduler.LoadTest.Targets;

/// <summary>How a run's organizers offer their time.</summary>
public enum CalendarShape
{
    /// <summary>Available all day every day, a 5-minute event type: as many distinct slots as bookers want.</summary>
    AllDayFiveMinutes,
    /// <summary>Monday to Friday 09:00–17:00, a 30-minute event type: what a browsing visitor sees.</summary>
    OfficeHoursHalfHours,
}

/// <summary>An organizer the run created, with the one event type it books.</summary>
public sealed record Calendar(Guid OrganizerId, Guid EventTypeId, string Email, string Password, string? AccessToken, int DurationMinutes);

public sealed record Slot(DateTimeOffset Start, DateTimeOffset End);

/// <summary>One booking request as the load tester sends it (and re-sends, with the same key).</summary>
public sealed record BookingRequest(Calendar Calendar, DateTimeOffset Start, string Name, string Email, string IdempotencyKey);

/// <summary>A booking as the server lists it, read back for the audit.</summary>
public sealed record StoredBooking(Guid Id, Guid OrganizerId, Guid? UserId, string Email, DateTimeOffset Start, DateTimeOffset End, string Status)
{
    public bool Active => Status is "Confirmed" or "Pending";
}

/// <summary>Which accepted bookings have their notifications, as far as the target can tell.</summary>
public sealed record NotificationsSeen(
    IReadOnlySet<Guid> ForOrganizer, bool OrganizerChecked, IReadOnlySet<Guid> ForBooker, IReadOnlySet<Guid> BookersChecked, string? Note);

/// <summary>A response the load tester needs to classify.</summary>
public sealed record BookingResponse(int Status, string? ProblemType, Guid? Id, DateTimeOffset? Start, DateTimeOffset? End, TimeSpan? RetryAfter);
