namespace Scheduler.LoadTest.Engine;

/// <summary>How one request ended, after its retries.</summary>
public enum Outcome
{
    /// <summary>201: booked.</summary>
    Accepted,
    /// <summary>409 slot-unavailable: someone else has the time (a correct answer under contention).</summary>
    Refused,
    /// <summary>Another 4xx (422 outside-availability, 400, …): the request was wrong or the slot is not offered.</summary>
    Rejected,
    /// <summary>5xx after all retries, a transport error or a timeout: the outcome is unknown.</summary>
    Error,
    /// <summary>200 to a read (slot query).</summary>
    Read,
}

public enum RequestKind
{
    Booking,
    SlotQuery,
}

/// <summary>What a scenario reports about one request; the engine adds the latency.</summary>
public sealed record RequestResult(RequestKind Kind, Outcome Outcome, int Retries, int Status = 0, string? Detail = null);
