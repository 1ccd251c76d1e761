using System.Data;
using System.Text;

namespace Scheduler.Database.Tests;

/// <summary>The storage queries, run exactly as the provider runs them (no transaction, typed NULLs).</summary>
public sealed class StorageQueryTests(MigratedDatabaseFixture fixture) : IClassFixture<MigratedDatabaseFixture>
{
    private readonly StoredQueries _queries = new(fixture.Database.ConnectionString);

    [Fact]
    public async Task Concurrent_first_writes_of_a_new_grain_create_exactly_one_row_and_the_others_conflict()
    {
        var key = GrainKey.NewString();

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => WriteAsync(key, $"writer {i}", expected: null)));

        Assert.Single(results, r => r is not null);
        Assert.Equal(1L, await CountRowsAsync(key));
    }

    [Fact]
    public async Task A_write_with_a_stale_version_returns_null_and_leaves_the_row_alone()
    {
        var key = GrainKey.NewString();
        var v1 = await WriteAsync(key, "one", expected: null);
        var v2 = await WriteAsync(key, "two", expected: v1);

        Assert.NotNull(v2);
        Assert.NotEqual(v1, v2);
        Assert.Null(await WriteAsync(key, "stale", expected: v1));
        Assert.Null(await WriteAsync(key, "stale first write", expected: null));

        var (payload, version) = await ReadAsync(key);
        Assert.Equal("two", payload);
        Assert.Equal(v2, version);
    }

    [Fact]
    public async Task Clear_keeps_the_row_with_no_payload_and_a_new_version()
    {
        var key = GrainKey.NewString();
        var v1 = await WriteAsync(key, "one", expected: null);

        var cleared = await ClearOrDeleteAsync("ClearStorageKey", key, v1);

        Assert.NotNull(cleared);
        Assert.NotEqual(v1, cleared);
        var (payload, version) = await ReadAsync(key);
        Assert.Null(payload);
        Assert.Equal(cleared, version);
        Assert.Null(await ClearOrDeleteAsync("ClearStorageKey", key, v1));
        Assert.NotNull(await WriteAsync(key, "again", expected: cleared));
    }

    [Fact]
    public async Task Delete_removes_the_row_only_at_the_expected_version_and_a_new_row_never_reuses_an_old_version()
    {
        var key = GrainKey.NewString();
        var v1 = await WriteAsync(key, "one", expected: null);
        var v2 = await WriteAsync(key, "two", expected: v1);

        Assert.Null(await ClearOrDeleteAsync("DeleteStorageKey", key, v1));
        var deleted = await ClearOrDeleteAsync("DeleteStorageKey", key, v2);
        Assert.NotNull(deleted);
        Assert.NotEqual(v2, deleted);
        Assert.Equal(0L, await CountRowsAsync(key));

        // Re-created: a stale activation holding v1 or v2 must not be able to write over it.
        var fresh = await WriteAsync(key, "new life", expected: null);
        Assert.NotNull(fresh);
        Assert.NotEqual(v1, fresh);
        Assert.NotEqual(v2, fresh);
        Assert.Null(await WriteAsync(key, "stale", expected: v1));
    }

    [Fact]
    public async Task Versions_wrap_within_int32_and_never_return_the_previous_version()
    {
        var key = GrainKey.NewString();
        Assert.NotNull(await WriteAsync(key, "one", expected: null));
        // Pretend the row holds version 1 and the shared counter is about to wrap to exactly 1.
        await _queries.ExecuteAsync($"""
            update orleans_storage set version = 1 where grain_id_extension = '{key.Extension}';
            select setval('orleans_storage_version', 2147483647);
            """);

        var next = await WriteAsync(key, "two", expected: 1);

        Assert.NotNull(next);
        Assert.NotEqual(1, next);
        Assert.InRange(next!.Value, 1, int.MaxValue);
    }

    [Fact]
    public async Task Keys_differing_only_in_state_name_or_a_null_versus_empty_extension_are_separate_rows()
    {
        var key = new GrainKey(0, 255, null);
        var emptyExtension = key with { Extension = "" };
        var otherState = key with { StateName = "other-state" };
        // Unique per test run: these keys are fixed, the service id is not.
        var service = "svc-" + Guid.NewGuid().ToString("N");

        Assert.NotNull(await WriteAsync(key with { ServiceId = service }, "a", expected: null));
        Assert.NotNull(await WriteAsync(emptyExtension with { ServiceId = service }, "b", expected: null));
        Assert.NotNull(await WriteAsync(otherState with { ServiceId = service }, "c", expected: null));

        Assert.Equal("a", (await ReadAsync(key with { ServiceId = service })).Payload);
        Assert.Equal("b", (await ReadAsync(emptyExtension with { ServiceId = service })).Payload);
        Assert.Equal("c", (await ReadAsync(otherState with { ServiceId = service })).Payload);
    }

    public sealed record GrainKey(long N0, long N1, string? Extension, string StateName = "state", string ServiceId = "svc")
    {
        public static GrainKey NewString() => new(0, 0, "key-" + Guid.NewGuid().ToString("N"));

        // Any stable int is fine here: SQL only uses the hashes to narrow the search.
        public int IdHash => HashCode.Combine(N0, N1, Extension) & 0x0FFF;

        public int TypeHash => StateName.Length;
    }

    private (string, DbType, object?)[] KeyParameters(GrainKey key) =>
    [
        ("GrainIdHash", DbType.Int32, key.IdHash),
        ("GrainIdN0", DbType.Int64, key.N0),
        ("GrainIdN1", DbType.Int64, key.N1),
        ("GrainTypeHash", DbType.Int32, key.TypeHash),
        ("GrainTypeString", DbType.String, key.StateName),
        ("GrainIdExtensionString", DbType.String, key.Extension),
        ("ServiceId", DbType.String, key.ServiceId),
    ];

    private async Task<int?> WriteAsync(GrainKey key, string payload, int? expected)
    {
        var rows = await _queries.RunAsync("WriteToStorageKey",
        [
            .. KeyParameters(key),
            ("GrainStateVersion", DbType.Int32, expected),
            ("PayloadBinary", DbType.Binary, Encoding.UTF8.GetBytes(payload)),
        ]);
        return (int?)Assert.Single(rows)["NewGrainStateVersion"];
    }

    private async Task<int?> ClearOrDeleteAsync(string queryKey, GrainKey key, int? expected)
    {
        var rows = await _queries.RunAsync(queryKey, [.. KeyParameters(key), ("GrainStateVersion", DbType.Int32, expected)]);
        return (int?)Assert.Single(rows).Values.First();
    }

    private async Task<(string? Payload, int? Version)> ReadAsync(GrainKey key)
    {
        var rows = await _queries.RunAsync("ReadFromStorageKey", KeyParameters(key));
        var row = Assert.Single(rows);
        var payload = row["PayloadBinary"] is byte[] bytes ? Encoding.UTF8.GetString(bytes) : null;
        return (payload, (int?)row["Version"]);
    }

    private Task<long> CountRowsAsync(GrainKey key) =>
        _queries.ScalarAsync<long>("select count(*) from orleans_storage where grain_id_extension = @ext",
            ("ext", (object?)key.Extension ?? DBNull.Value));
}
