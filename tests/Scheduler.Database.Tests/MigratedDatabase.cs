using Scheduler.TestSupport;

namespace Scheduler.Database.Tests;

public static class MigratedDatabase
{
    /// <summary>A fresh database (see <see cref="FreshDatabase"/>) that the migrator created and brought up to date.</summary>
    public static async Task<FreshDatabase> CreateAsync()
    {
        var database = FreshDatabase.Named("schema");
        await SchedulerDatabase.MigrateAsync(database.ConnectionString);
        return database;
    }
}

/// <summary>One migrated database shared by the tests of a class.</summary>
public sealed class MigratedDatabaseFixture : IAsyncLifetime
{
    private FreshDatabase? _database;

    public FreshDatabase Database => _database ?? throw new InvalidOperationException("Not initialised.");

    public async Task InitializeAsync() => _database = await MigratedDatabase.CreateAsync();

    public async Task DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
