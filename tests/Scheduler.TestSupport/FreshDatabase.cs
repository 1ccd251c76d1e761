using Npgsql;

namespace Scheduler.TestSupport;

/// <summary>
/// A database name of our own on the server named by SCHEDULER_DB (Scheduler creates it at start-up);
/// dropped again on disposal.
/// </summary>
public sealed class FreshDatabase(string prefix) : IAsyncDisposable
{
    public string Name { get; } = $"{prefix}_{Guid.NewGuid():N}";

    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable("SCHEDULER_DB") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                "SCHEDULER_DB is not set: run ./test.sh, which starts PostgreSQL, or set it to an admin connection string.");

    public string ConnectionString =>
        new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = Name, Pooling = false }.ConnectionString;

    public async ValueTask DisposeAsync()
    {
        var admin = new NpgsqlConnectionStringBuilder(ServerConnectionString) { Pooling = false };
        admin.Database ??= "postgres";
        await using var connection = new NpgsqlConnection(admin.ConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"drop database if exists \"{Name}\" with (force)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
