using System.Net;
using Orleans.Storage;
using Scheduler.Storage;

namespace Scheduler.Silo;

/// <summary>How one silo joins the cluster. Defaults suit a single machine.</summary>
public sealed class SchedulerSiloOptions
{
    /// <summary>Npgsql connection string of the application database (state, membership, reminders).</summary>
    public required string ConnectionString { get; init; }

    /// <summary>Members of one cluster share this id (and the database).</summary>
    public string ClusterId { get; init; } = "scheduler";

    /// <summary>Keys all stored state: must stay the same across deployments.</summary>
    public string ServiceId { get; init; } = "scheduler";

    public int SiloPort { get; init; } = 11111;
    public int GatewayPort { get; init; } = 30000;
    public IPAddress AdvertisedAddress { get; init; } = IPAddress.Loopback;

    /// <summary>Last word on the silo's configuration (tests shorten periods through this).</summary>
    public Action<ISiloBuilder>? Configure { get; init; }

    /// <summary>Wraps the grain storage (tests inject storage faults through this).</summary>
    public Func<IGrainStorage, IGrainStorage>? WrapStorage { get; init; }

    /// <summary>Wraps the calendars' commits (tests inject commit faults through this).</summary>
    public Func<ICalendarStore, ICalendarStore>? WrapCalendarStore { get; init; }

    /// <summary>
    /// Most PostgreSQL connections this silo opens for the calendars, users and notifications
    /// (SCHEDULER_DB_POOL). Orleans' own providers (membership, reminders, small grain state) get
    /// <see cref="OrleansPoolSize"/> more. With the defaults, three silos and two front ends stay
    /// well inside a stock max_connections = 100.
    /// </summary>
    public int PoolSize { get; init; } = DefaultPoolSize;

    public const int DefaultPoolSize = 12;

    /// <summary>
    /// Loopback port of this silo's Prometheus endpoint (<c>http://127.0.0.1:PORT/metrics</c>;
    /// SCHEDULER_METRICS_PORT); null: none.
    /// </summary>
    public int? MetricsPort { get; init; }

    /// <summary>
    /// Most PostgreSQL transactions the silo's commit queue runs at once (SCHEDULER_COMMIT_WRITERS);
    /// calendars' commits that arrive meanwhile leave together in the next one.
    /// </summary>
    public int CommitWriters { get; init; } = DefaultCommitWriters;

    public const int DefaultCommitWriters = 1;

    /// <summary>
    /// Whether this silo collects what the Orleans Dashboard shows (grain calls, activations, silo
    /// counters; SCHEDULER_ORLEANS_DASHBOARD=1). The silo serves no page itself: front ends do, on an
    /// operator listener. Off by default: it profiles every grain call while the dashboard is open.
    /// </summary>
    public bool OrleansDashboard { get; init; }

    /// <summary>Connections for Orleans' ADO.NET providers (clustering, reminders, grain storage).</summary>
    public int OrleansPoolSize { get; init; } = 6;

    /// <summary>
    /// Reads SCHEDULER_DB, SCHEDULER_CLUSTER_ID, SCHEDULER_SILO_PORT, SCHEDULER_GATEWAY_PORT, SCHEDULER_DB_POOL,
    /// SCHEDULER_METRICS_PORT, SCHEDULER_COMMIT_WRITERS and SCHEDULER_ORLEANS_DASHBOARD.
    /// </summary>
    public static SchedulerSiloOptions FromEnvironment()
    {
        var connectionString = Environment.GetEnvironmentVariable("SCHEDULER_DB");
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new InvalidOperationException("SCHEDULER_DB (an Npgsql connection string) is not set. Start the system with ./run.sh.");
        return new SchedulerSiloOptions
        {
            ConnectionString = connectionString,
            ClusterId = Environment.GetEnvironmentVariable("SCHEDULER_CLUSTER_ID") ?? "scheduler",
            SiloPort = IntFromEnvironment("SCHEDULER_SILO_PORT", 11111),
            GatewayPort = IntFromEnvironment("SCHEDULER_GATEWAY_PORT", 30000),
            PoolSize = IntFromEnvironment("SCHEDULER_DB_POOL", DefaultPoolSize),
            CommitWriters = Math.Max(1, IntFromEnvironment("SCHEDULER_COMMIT_WRITERS", DefaultCommitWriters)),
            MetricsPort = int.TryParse(Environment.GetEnvironmentVariable("SCHEDULER_METRICS_PORT"), out var metrics) ? metrics : null,
            OrleansDashboard = IsOn(Environment.GetEnvironmentVariable("SCHEDULER_ORLEANS_DASHBOARD")),
        };
    }

    /// <summary>"1" or "true" (any case) switch a feature on; anything else leaves it off.</summary>
    private static bool IsOn(string? value) => value is "1" || string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);

    private static int IntFromEnvironment(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out var value) ? value : fallback;
}
