using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Configuration;
using Orleans.Runtime.Hosting;
using Orleans.Storage;
using Scheduler.Calendar;
using Scheduler.Database;

namespace Scheduler.Silo;

public static class SiloConfiguration
{
    /// <summary>Name of the grain storage every Scheduler grain uses.</summary>
    public const string StorageName = "scheduler";

    /// <summary>
    /// Configures a Scheduler silo: ADO.NET clustering, grain storage (plain System.Text.Json) and
    /// reminders, all on the application's PostgreSQL. The schema must have been migrated first
    /// (<see cref="SchedulerDatabase.MigrateAsync"/>).
    /// </summary>
    public static ISiloBuilder UseScheduler(this ISiloBuilder silo, SchedulerSiloOptions options)
    {
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = options.ClusterId;
            o.ServiceId = options.ServiceId;
        });
        silo.ConfigureEndpoints(options.AdvertisedAddress, options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: false);
        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = SchedulerDatabase.AdoNetInvariant;
            o.ConnectionString = options.ConnectionString;
        });
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = SchedulerDatabase.AdoNetInvariant;
            o.ConnectionString = options.ConnectionString;
        });
        silo.UseSystemTextJsonGrainStorageSerializer();

        var innerName = options.WrapStorage is null ? StorageName : StorageName + "-inner";
        silo.AddAdoNetGrainStorage(innerName, o =>
        {
            o.Invariant = SchedulerDatabase.AdoNetInvariant;
            o.ConnectionString = options.ConnectionString;
        });
        if (options.WrapStorage is { } wrap)
        {
            silo.Services.AddGrainStorage(StorageName,
                (sp, _) => wrap(sp.GetRequiredKeyedService<IGrainStorage>(innerName)));
        }

        silo.Services.TryAddKeyedSingleton(SchedulerClock.Key, TimeProvider.System);
        silo.Services.AddOptions<CalendarOptions>();
        options.Configure?.Invoke(silo);
        return silo;
    }
}
