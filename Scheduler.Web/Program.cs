using Scheduler.Database;
using Scheduler.Web.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddSchedulerWeb();
// Front ends can start before any silo: bring the schema up to date first (idempotent, locked).
await SchedulerDatabase.MigrateAsync(builder.Configuration["SCHEDULER_DB"]!);

var app = builder.Build();
app.MapScheduler();
app.Run();

/// <summary>Entry point (public for WebApplicationFactory).</summary>
public partial class Program;
