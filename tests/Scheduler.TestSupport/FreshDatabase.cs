using System.Collections.Concurrent;
using Npgsql;

namespace Scheduler.TestSupport;

/// <summary>
/// A database of its own on the PostgreSQL server named by SCHEDULER_DB, so tests never see each
/// other's rows. Dropped on disposal; any a test forgot to dispose is dropped when the test process
/// exits, so a run leaves no databases behind.
/// </summary>
public sealed class FreshDatabase : IAsyncDisposable
{
    // Created (or named for creation) and not yet dropped; the process-exit sweep drops these.
    private static readonly ConcurrentDictionary<string, byte> Undropped = new();

    static FreshDatabase() => AppDomain.CurrentDomain.ProcessExit += (_, _) => DropLeftovers();

    private FreshDatabase(string name)
    {
        Name = name;
        Undropped.TryAdd(name, 0);
    }

    public string Name { get; }

    /// <summary>The admin connection string of the test server (./test.sh sets it; so can you).</summary>
    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable("SCHEDULER_DB") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                "SCHEDULER_DB is not set. These tests need a real PostgreSQL server: run ./test.sh from the repository root " +
                "(it starts a throwaway one), or set SCHEDULER_DB to an admin connection string such as " +
                "Host=127.0.0.1;Port=5432;Username=postgres;Password=...;Database=postgres.");

    /// <summary>
    /// This database on the test server. The pool is capped because several systems under test share
    /// the server (and its max_connections) within one run.
    /// </summary>
    public string ConnectionString =>
        new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = Name, MaxPoolSize = 50 }.ConnectionString;

    /// <summary>
    /// Only a fresh name: Scheduler's migrator (run.sh, a silo, or SchedulerDatabase.MigrateAsync)
    /// creates the database. Disposal drops it if it was created.
    /// </summary>
    public static FreshDatabase Named(string prefix) => new(NewName(prefix));

    /// <summary>An empty database, created now.</summary>
    public static async Task<FreshDatabase> CreateAsync(string prefix)
    {
        var database = Named(prefix);
        await using var admin = await OpenAdminAsync();
        await using var create = new NpgsqlCommand($"create database \"{database.Name}\"", admin);
        await create.ExecuteNonQueryAsync();
        return database;
    }

    public async ValueTask DisposeAsync()
    {
        // Idle pooled connections of this process go first; FORCE ends any that others (a silo, run.sh's processes) still hold.
        using (var connection = new NpgsqlConnection(ConnectionString)) NpgsqlConnection.ClearPool(connection);
        await using (var admin = await OpenAdminAsync())
        {
            await using var drop = new NpgsqlCommand($"drop database if exists \"{Name}\" with (force)", admin);
            await drop.ExecuteNonQueryAsync();
        }
        Undropped.TryRemove(Name, out _);
    }

    private static string NewName(string prefix) => $"{prefix.ToLowerInvariant()}_{Guid.NewGuid():N}";

    private static async Task<NpgsqlConnection> OpenAdminAsync()
    {
        var admin = new NpgsqlConnectionStringBuilder(ServerConnectionString) { Pooling = false };
        admin.Database ??= "postgres";
        var connection = new NpgsqlConnection(admin.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static void DropLeftovers()
    {
        foreach (var name in Undropped.Keys)
        {
            try
            {
                var admin = new NpgsqlConnectionStringBuilder(ServerConnectionString) { Pooling = false, Timeout = 5, CommandTimeout = 10 };
                admin.Database ??= "postgres";
                using var connection = new NpgsqlConnection(admin.ConnectionString);
                connection.Open();
                using var drop = new NpgsqlCommand($"drop database if exists \"{name}\" with (force)", connection);
                drop.ExecuteNonQuery();
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                // The process is exiting: nothing else to do but say so.
                Console.Error.WriteLine($"FreshDatabase: could not drop {name}: {e.Message}");
            }
        }
    }
}
