using System.Net;
using Orleans.Storage;

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

    /// <summary>Reads SCHEDULER_DB, SCHEDULER_CLUSTER_ID, SCHEDULER_SILO_PORT and SCHEDULER_GATEWAY_PORT.</summary>
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
        };
    }

    private static int IntFromEnvironment(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out var value) ? value : fallback;
}
