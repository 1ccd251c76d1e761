using Scheduler.Database;
using Scheduler.Web.Baseline;
using Scheduler.Web.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddSchedulerWeb();
// Front ends can start before any silo: bring the schema up to date first (idempotent, locked).
await SchedulerDatabase.MigrateAsync(builder.Configuration["SCHEDULER_DB"]!);

var app = builder.Build();
await app.MapBaselineIfEnabled(); // /baseline: the plain-PostgreSQL comparison for the load tester, off unless configured
app.MapScheduler();
app.Run();

/// <summary>Entry point (public for WebApplicationFactory).</summary>
public partial class Program;
