using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Scheduler.Database;
using Scheduler.Silo;

var options = SchedulerSiloOptions.FromEnvironment();
using (var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole()))
{
    await SchedulerDatabase.MigrateAsync(options.ConnectionString, loggerFactory.CreateLogger("Scheduler.Database"));
}

var builder = Host.CreateApplicationBuilder(args);
builder.UseOrleans(silo => silo.UseScheduler(options));
await builder.Build().RunAsync();
