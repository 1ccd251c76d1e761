using EvolveDb;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Scheduler.Database;

/// <summary>
/// Creates and migrates the Scheduler PostgreSQL database: the schema and stored queries behind
/// Orleans' ADO.NET clustering, grain storage and reminders (see Migrations/*.sql).
/// </summary>
public static class SchedulerDatabase
{
    /// <summary>The ADO.NET invariant to set on every Orleans ADO.NET provider's options.</summary>
    /// <remarks>
    /// Orleans resolves it itself by loading the "Npgsql" assembly and its NpgsqlFactory.Instance, so no
    /// DbProviderFactories registration is needed; the process only has to reference the Npgsql package.
    /// </remarks>
    public const string AdoNetInvariant = "Npgsql";

    // Our own advisory lock key ("SchedDB" in ASCII). Advisory locks are per database, so this only
    // serialises migrators of the same database.
    private const long MigrationLockKey = 0x5363_6865_6444_42;

    /// <summary>
    /// Creates the database named in <paramref name="connectionString"/> if it does not exist, using the
    /// same server and credentials against the <c>postgres</c> maintenance database.
    /// </summary>
    public static async Task EnsureCreatedAsync(string connectionString, CancellationToken ct = default)
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        var databaseName = target.Database
            ?? throw new ArgumentException("The connection string names no Database.", nameof(connectionString));

        // Try the database itself first: when it exists (the normal case) we need no rights on `postgres`.
        try
        {
            await using var probe = new NpgsqlConnection(connectionString);
            await probe.OpenAsync(ct);
            return;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidCatalogName)
        {
        }

        var maintenance = new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(maintenance.ConnectionString);
        await connection.OpenAsync(ct);
        await using var create = new NpgsqlCommand($"CREATE DATABASE {QuoteIdentifier(databaseName)}", connection);
        try
        {
            await create.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            // Another process created it between our probe and our CREATE: that is what we wanted.
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            // Two CREATE DATABASE at the same instant can also collide on pg_database's unique index.
        }
    }

    /// <summary>
    /// Creates the database if needed, then applies every embedded migration not yet applied. Safe to
    /// call from several processes at once: they take turns under a PostgreSQL advisory lock.
    /// </summary>
    public static Task MigrateAsync(string connectionString, ILogger? logger = null, CancellationToken ct = default) =>
        MigrateToAsync(connectionString, null, logger, ct);

    /// <summary>
    /// Like <see cref="MigrateAsync"/>, but stops at <paramref name="targetVersion"/> (e.g. "5"; null: the
    /// latest). For upgrade tests that need a database as an earlier version left it.
    /// </summary>
    public static async Task MigrateToAsync(string connectionString, string? targetVersion, ILogger? logger = null, CancellationToken ct = default)
    {
        logger ??= NullLogger.Instance;
        await EnsureCreatedAsync(connectionString, ct);

        // Evolve takes its own advisory lock, but it polls with pg_try_advisory_lock every 3 s. Waiting
        // on a blocking lock first means silos starting together each wait only as long as the migration.
        await using var lockConnection = new NpgsqlConnection(connectionString);
        await lockConnection.OpenAsync(ct);
        await using (var acquire = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", lockConnection))
        {
            acquire.Parameters.AddWithValue("key", MigrationLockKey);
            acquire.CommandTimeout = 0; // wait as long as the other migrator needs; ct still cancels
            await acquire.ExecuteNonQueryAsync(ct);
        }

        try
        {
            // Evolve is synchronous; keep it off the caller's thread.
            await Task.Run(() => RunEvolve(connectionString, targetVersion, logger), ct);
        }
        finally
        {
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", lockConnection);
            release.Parameters.AddWithValue("key", MigrationLockKey);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private static void RunEvolve(string connectionString, string? targetVersion, ILogger logger)
    {
        using var connection = new NpgsqlConnection(connectionString);
        var evolve = new Evolve(connection, message => logger.LogInformation("Evolve: {Message}", message))
        {
            EmbeddedResourceAssemblies = [typeof(SchedulerDatabase).Assembly],
            EmbeddedResourceFilters = ["Scheduler.Database.Migrations."],
            Schemas = ["public"],
            MetadataTableName = "evolve_changelog",
            // Applied migrations are immutable: a changed script fails validation instead of being
            // silently skipped, and nothing here may ever drop the schema.
            IsEraseDisabled = true,
            MustEraseOnValidationError = false,
        };
        if (targetVersion is not null) evolve.TargetVersion = new EvolveDb.Migration.MigrationVersion(targetVersion);
        evolve.Migrate();
        if (evolve.NbMigration > 0)
        {
            logger.LogInformation("Applied {Count} database migration(s): {Names}",
                evolve.NbMigration, string.Join(", ", evolve.AppliedMigrations));
        }
    }

    private static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";
}
