namespace Scheduler;

/// <summary>
/// The grain could not make its decision durable (a storage write failed or lost a version race).
/// The outcome of the caller's request is unknown: retry, with the same Idempotency-Key for bookings.
/// </summary>
[GenerateSerializer, Alias("scheduler.RetryLaterException")]
public sealed class RetryLaterException : Exception
{
    public RetryLaterException() { }

    public RetryLaterException(string message) : base(message) { }

    public RetryLaterException(string message, Exception inner) : base(message, inner) { }
}
