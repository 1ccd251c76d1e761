using Npgsql;

namespace Scheduler.Database.Tests;

public sealed class MigrationTests
{
    // Every key the 10.4.2 storage (4), clustering (9) and reminders (7) providers look up.
    public static readonly string[] RequiredQueryKeys =
    [
        "WriteToStorageKey", "ReadFromStorageKey", "ClearStorageKey", "DeleteStorageKey",
        "InsertMembershipVersionKey", "MembershipReadAllKey", "MembershipReadRowKey", "InsertMembershipKey",
        "UpdateMembershipKey", "UpdateIAmAlivetimeKey", "GatewaysQueryKey", "DeleteMembershipTableEntriesKey",
        "CleanupDefunctSiloEntriesKey",
        "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key", "ReadRangeRows2Key",
        "UpsertReminderRowKey", "DeleteReminderRowKey", "DeleteReminderRowsKey",
    ];

    [Fact]
    public async Task Migrating_a_missing_database_creates_it_with_every_query_key_Orleans_needs()
    {
        await using var database = FreshDatabase.Named("schema");

        await SchedulerDatabase.MigrateAsync(database.ConnectionString);

        var keys = await ReadQueryKeysAsync(database.ConnectionString);
        Assert.Equal(RequiredQueryKeys.Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Migrating_twice_changes_nothing()
    {
        await using var database = FreshDatabase.Named("schema");
        await SchedulerDatabase.MigrateAsync(database.ConnectionString);
        var before = await FingerprintAsync(database.ConnectionString);

        await SchedulerDatabase.MigrateAsync(database.ConnectionString);

        Assert.Equal(before, await FingerprintAsync(database.ConnectionString));
    }

    [Fact]
    public async Task Four_migrators_starting_together_on_a_missing_database_all_succeed_and_apply_each_script_once()
    {
        await using var database = FreshDatabase.Named("schema");

        await Task.WhenAll(Enumerable.Range(0, 4)
            .Select(_ => Task.Run(() => SchedulerDatabase.MigrateAsync(database.ConnectionString))));

        var queries = new StoredQueries(database.ConnectionString);
        var applied = await queries.ScalarAsync<long>(
            "select count(*) from evolve_changelog where type = 0 and success");
        var distinct = await queries.ScalarAsync<long>(
            "select count(distinct version) from evolve_changelog where type = 0 and success");
        Assert.Equal(MigrationScripts().Count, applied);
        Assert.Equal(applied, distinct);
        Assert.Equal(RequiredQueryKeys.Length, (await ReadQueryKeysAsync(database.ConnectionString)).Count);
    }

    [Fact]
    public async Task Every_script_can_be_run_again_by_hand_without_error()
    {
        // The changelog prevents re-runs, but a script re-run by hand (or after a half-failed run) must
        // converge rather than fail on "already exists" or duplicate query keys.
        await using var database = await MigratedDatabase.CreateAsync();
        var queries = new StoredQueries(database.ConnectionString);
        var before = await FingerprintAsync(database.ConnectionString);

        foreach (var script in MigrationScripts(includeSuperseded: false))
        {
            await queries.ExecuteAsync(script);
        }

        Assert.Equal(before, await FingerprintAsync(database.ConnectionString));
    }

    [Fact]
    public async Task EnsureCreated_on_an_existing_database_is_harmless()
    {
        await using var database = await MigratedDatabase.CreateAsync();

        await SchedulerDatabase.EnsureCreatedAsync(database.ConnectionString);
        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => SchedulerDatabase.EnsureCreatedAsync(database.ConnectionString)));

        Assert.NotEmpty(await ReadQueryKeysAsync(database.ConnectionString));
    }

    /// <summary>
    /// V5 made the seed's relations views; V6 replaced them with tables of the same names, so V5 run
    /// again by hand after V6 is meaningless (it would try to turn tables back into views).
    /// </summary>
    private static readonly string[] Superseded = ["Scheduler.Database.Migrations.V5__seed_views.sql"];

    private static List<string> MigrationScripts(bool includeSuperseded = true)
    {
        var assembly = typeof(SchedulerDatabase).Assembly;
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("Scheduler.Database.Migrations.V", StringComparison.Ordinal))
            .Where(n => includeSuperseded || !Superseded.Contains(n))
            // In version order (V2 before V10), as Evolve applies them.
            .OrderBy(n => int.Parse(n["Scheduler.Database.Migrations.V".Length..n.IndexOf("__", StringComparison.Ordinal)]))
            .Select(n =>
            {
                using var reader = new StreamReader(assembly.GetManifestResourceStream(n)!);
                return reader.ReadToEnd();
            })
            .ToList();
    }

    private static async Task<List<string>> ReadQueryKeysAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select querykey from orleansquery", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var keys = new List<string>();
        while (await reader.ReadAsync())
        {
            keys.Add(reader.GetString(0));
        }
        return keys;
    }

    // What a second run could disturb: the changelog, the objects in public, the query texts.
    private static async Task<string> FingerprintAsync(string connectionString)
    {
        return await new StoredQueries(connectionString).ScalarAsync<string>("""
            select concat_ws(' | ',
              (select string_agg(concat(version, ':', name, ':', checksum, ':', success), ',' order by id) from evolve_changelog),
              (select string_agg(concat(c.relname, ':', c.relkind), ',' order by c.relname)
                 from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public'),
              (select string_agg(p.proname || ':' || md5(p.prosrc), ',' order by p.proname)
                 from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'public'),
              (select string_agg(querykey || ':' || md5(querytext), ',' order by querykey) from orleansquery))
            """) ?? "";
    }
}
