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

/// <summary>
/// Entry point, kept internal: the Orleans Dashboard package brings in ASP.NET Core, whose source
/// generator would otherwise make it public and clash with the front end's public <c>Program</c> in
/// the test projects that reference both.
/// </summary>
internal partial class Program;
