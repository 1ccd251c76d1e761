using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Configuration;
using Orleans.Runtime.Hosting;
using Orleans.Storage;
using Scheduler.Calendar;
using Npgsql;
using OpenTelemetry.Metrics;
using Orleans.Dashboard;
using Scheduler.Database;
using Scheduler.Storage;

namespace Scheduler.Silo;

public static class SiloConfiguration
{
    /// <summary>Name of the grain storage every Scheduler grain uses.</summary>
    public const string StorageName = "scheduler";

    /// <summary>The engine's histogram of bookings per group commit (Prometheus: <c>scheduler_commit_batch_size</c>).</summary>
    public const string BatchSizeInstrument = "scheduler.commit.batch_size";

    /// <summary>The silo commit queue's histogram of calendars' commits per PostgreSQL transaction (<c>scheduler_commit_calendars</c>).</summary>
    public const string CalendarsPerTransactionInstrument = "scheduler.commit.calendars";

    /// <summary>
    /// Bucket bounds of <see cref="BatchSizeInstrument"/>: powers of two, so one booking per commit, a
    /// few, and a whole hot calendar's worth each have buckets of their own (OpenTelemetry's defaults,
    /// 0, 5, 10, 25, …, are for milliseconds). The load tester reads them for its batch-size report.
    /// </summary>
    public static readonly double[] BatchSizeBuckets = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

    /// <summary>
    /// Configures a Scheduler silo: the seed's tables through one NpgsqlDataSource (calendars,
    /// users, notifications), and Orleans' ADO.NET clustering, grain storage (plain System.Text.Json,
    /// for the small non-seed state) and reminders, all on the application's PostgreSQL. The schema
    /// must have been migrated first (<see cref="SchedulerDatabase.MigrateAsync"/>).
    /// </summary>
    public static ISiloBuilder UseScheduler(this ISiloBuilder silo, SchedulerSiloOptions options)
    {
        // The commit's and the listings' statements are few and run constantly: prepared once per
        // connection (Npgsql's automatic preparation), PostgreSQL stops parsing and planning them on
        // every batch. No session state is ever set, so a pooled connection needs no reset.
        var dataSource = new NpgsqlDataSourceBuilder(
            new NpgsqlConnectionStringBuilder(options.ConnectionString)
            {
                MaxPoolSize = options.PoolSize,
                MaxAutoPrepare = 64,
                AutoPrepareMinUsages = 2,
                NoResetOnClose = true,
            }.ConnectionString).Build();
        silo.Services.AddSingleton(dataSource);
        silo.Services.AddSingleton<ICalendarStore>(sp =>
        {
            // One commit queue per silo: many calendars' commits share each transaction.
            ICalendarStore store = new CalendarCommitQueue(new PostgresCalendarStore(dataSource),
                sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<CalendarCommitQueue>>(), options.CommitWriters);
            return options.WrapCalendarStore is { } wrap ? wrap(store) : store;
        });
        silo.Services.AddSingleton<BookingQueries>();
        silo.Services.AddSingleton<NotificationStore>();
        silo.Services.AddSingleton<UserStore>();
        silo.Services.AddSingleton<UserIds>();
        // Orleans' providers open their own connections: a small pool of their own.
        var orleansConnection = new NpgsqlConnectionStringBuilder(options.ConnectionString) { MaxPoolSize = options.OrleansPoolSize }.ConnectionString;

        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = options.ClusterId;
            o.ServiceId = options.ServiceId;
        });
        silo.ConfigureEndpoints(options.AdvertisedAddress, options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: false);
        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = SchedulerDatabase.AdoNetInvariant;
            o.ConnectionString = orleansConnection;
        });
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = SchedulerDatabase.AdoNetInvariant;
            o.ConnectionString = orleansConnection;
        });
        silo.UseSystemTextJsonGrainStorageSerializer();

        var innerName = options.WrapStorage is null ? StorageName : StorageName + "-inner";
        silo.AddAdoNetGrainStorage(innerName, o =>
        {
            o.Invariant = SchedulerDatabase.AdoNetInvariant;
            o.ConnectionString = orleansConnection;
        });
        if (options.WrapStorage is { } wrap)
        {
            silo.Services.AddGrainStorage(StorageName,
                (sp, _) => wrap(sp.GetRequiredKeyedService<IGrainStorage>(innerName)));
        }

        if (options.MetricsPort is { } metricsPort)
        {
            // The engine's meters (decisions, commits, batch sizes, slot queries), Orleans' and Npgsql's.
            silo.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
                .AddMeter(SchedulerMetrics.MeterName, "Microsoft.Orleans", "Npgsql")
                .AddView(BatchSizeInstrument, new ExplicitBucketHistogramConfiguration { Boundaries = BatchSizeBuckets })
                .AddView(CalendarsPerTransactionInstrument, new ExplicitBucketHistogramConfiguration { Boundaries = BatchSizeBuckets })
                .AddPrometheusHttpListener(o =>
                {
                    o.Host = "127.0.0.1";
                    o.Port = metricsPort;
                }));
        }
        if (options.OrleansDashboard)
        {
            // Statistics for the Orleans Dashboard, which the front ends serve to operators (Scheduler.Web's
            // OrleansDashboardAccess): a grain-call filter, a grain service and a log provider on this silo.
            silo.AddDashboard();
        }
        silo.Services.TryAddKeyedSingleton(SchedulerClock.Key, TimeProvider.System);
        silo.Services.AddOptions<CalendarOptions>();
        options.Configure?.Invoke(silo);
        return silo;
    }
}
