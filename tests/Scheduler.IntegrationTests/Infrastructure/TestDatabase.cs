using Npgsql;

namespace Scheduler.IntegrationTests.Infrastructure;

/// <summary>
/// A fresh database on the PostgreSQL that ./test.sh started (SCHEDULER_DB), so each fixture
/// starts from an empty schema and fixtures cannot see each other's data.
/// </summary>
public static class TestDatabase
{
    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable("SCHEDULER_DB") is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException("SCHEDULER_DB is not set: run the tests with ./test.sh, which starts PostgreSQL.");

    public static async Task<string> CreateAsync(string prefix)
    {
        var server = new NpgsqlConnectionStringBuilder(ServerConnectionString);
        var name = $"{prefix}_{Guid.NewGuid():N}".ToLowerInvariant();
        var admin = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = server.Database ?? "postgres", Pooling = false };
        await using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = name, MaxPoolSize = 50 }.ConnectionString;
    }
}
