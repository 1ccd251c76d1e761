using System.Diagnostics.Metrics;

namespace Scheduler;

/// <summary>
/// The engine's own meters (OpenTelemetry reads them by the meter name <see cref="MeterName"/>;
/// the silo and the front end export them on <c>/metrics</c> for Prometheus).
/// </summary>
public static class SchedulerMetrics
{
    public const string MeterName = "Scheduler";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Booking attempts decided by a calendar, tagged <c>outcome</c> (created, slot-unavailable, …).</summary>
    public static readonly Counter<long> Bookings =
        Meter.CreateCounter<long>("scheduler.bookings", "{booking}", "Booking attempts decided by a calendar, by outcome");

    /// <summary>Time a calendar spends deciding one booking (synchronous, in memory).</summary>
    public static readonly Histogram<double> DecisionTime =
        Meter.CreateHistogram<double>("scheduler.booking.decision.duration", "ms", "Time to decide one booking in memory");

    /// <summary>Time one group commit takes (one PostgreSQL round trip and transaction).</summary>
    public static readonly Histogram<double> CommitTime =
        Meter.CreateHistogram<double>("scheduler.commit.duration", "ms", "Time of one calendar group commit");

    /// <summary>Rows' worth of decisions one group commit carried: new and changed bookings.</summary>
    public static readonly Histogram<int> CommitBatchSize =
        Meter.CreateHistogram<int>("scheduler.commit.batch_size", "{booking}", "Bookings written by one calendar group commit");

    /// <summary>Calendars' group commits one PostgreSQL transaction of the silo's commit queue carried.</summary>
    public static readonly Histogram<int> CommitCalendars =
        Meter.CreateHistogram<int>("scheduler.commit.calendars", "{commit}", "Calendar group commits carried by one PostgreSQL transaction");

    /// <summary>
    /// Times a commit-queue writer stopped waiting for the calendars it had just answered (one of them
    /// neither wrote again nor said it was idle in time): should stay near zero.
    /// </summary>
    public static readonly Counter<long> CommitReturnTimeouts =
        Meter.CreateCounter<long>("scheduler.commit.return_timeouts", "{transaction}", "Commit-queue writers that stopped waiting for answered calendars");

    /// <summary>Commits that failed (storage error or a lost version race), tagged <c>reason</c>.</summary>
    public static readonly Counter<long> FailedCommits =
        Meter.CreateCounter<long>("scheduler.commit.failures", "{commit}", "Calendar group commits that failed");

    /// <summary>Booking mails a front end handed to the mail server.</summary>
    public static readonly Counter<long> MailsSent =
        Meter.CreateCounter<long>("scheduler.mail.sent", "{mail}", "Booking mails handed to the mail server");

    /// <summary>Booking mails not sent, tagged <c>reason</c> (queue-full, address-limit, failed).</summary>
    public static readonly Counter<long> MailsDropped =
        Meter.CreateCounter<long>("scheduler.mail.dropped", "{mail}", "Booking mails not sent, by reason");

    /// <summary>Time to compute one slot listing.</summary>
    public static readonly Histogram<double> SlotQueryTime =
        Meter.CreateHistogram<double>("scheduler.slots.duration", "ms", "Time to compute one slot listing");
}
