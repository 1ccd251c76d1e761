// Temporary stand-in until the migrations land (branch db).
using Microsoft.Extensions.Logging;
namespace Scheduler.Database;
public static class SchedulerDatabase
{
    public const string AdoNetInvariant = "Npgsql";
    public static Task MigrateAsync(string connectionString, ILogger? logger = null, CancellationToken ct = default) => Task.CompletedTask;
}
