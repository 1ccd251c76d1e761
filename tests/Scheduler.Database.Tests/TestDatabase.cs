using Npgsql;

namespace Scheduler.Database.Tests;

/// <summary>
/// A database with a random name on the server given by SCHEDULER_DB, dropped on dispose. Every test
/// class (or test) gets its own, so tests never see each other's rows.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private TestDatabase(string name, string connectionString)
    {
        Name = name;
        ConnectionString = connectionString;
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public static string AdminConnectionString =>
        Environment.GetEnvironmentVariable("SCHEDULER_DB") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                "SCHEDULER_DB is not set. These tests need a real PostgreSQL server: run ./test.sh from the " +
                "repository root (it starts a throwaway one), or set SCHEDULER_DB to an admin connection string " +
                "such as Host=127.0.0.1;Port=5432;Username=postgres;Password=...;Database=postgres.");

    /// <summary>Picks a fresh name but creates nothing: MigrateAsync is expected to create it.</summary>
    public static TestDatabase NotYetCreated()
    {
        var name = "scheduler_test_" + Guid.NewGuid().ToString("N")[..12];
        var builder = new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name };
        return new TestDatabase(name, builder.ConnectionString);
    }

    public static async Task<TestDatabase> MigratedAsync()
    {
        var database = NotYetCreated();
        await SchedulerDatabase.MigrateAsync(database.ConnectionString);
        return database;
    }

    public NpgsqlDataSource CreateDataSource() => NpgsqlDataSource.Create(ConnectionString);

    public async ValueTask DisposeAsync()
    {
        // Pooled idle connections would keep the database busy; FORCE also ends any a silo left behind.
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(AdminConnectionString);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }
}

/// <summary>One migrated database shared by the tests of a class.</summary>
public sealed class MigratedDatabaseFixture : IAsyncLifetime
{
    private TestDatabase? _database;

    public TestDatabase Database => _database ?? throw new InvalidOperationException("Not initialised.");

    public async Task InitializeAsync() => _database = await TestDatabase.MigratedAsync();

    public async Task DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
