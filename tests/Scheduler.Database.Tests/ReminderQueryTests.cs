using System.Data;

namespace Scheduler.Database.Tests;

/// <summary>The reminder queries, run as the provider runs them.</summary>
public sealed class ReminderQueryTests(MigratedDatabaseFixture fixture) : IClassFixture<MigratedDatabaseFixture>
{
    private static readonly DateTime Start = new(2030, 1, 1, 12, 0, 0, DateTimeKind.Utc);
    private readonly StoredQueries _queries = new(fixture.Database.ConnectionString);
    private readonly string _service = "svc-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Every_upsert_gives_a_new_version_and_a_delete_needs_the_current_one()
    {
        var v1 = await UpsertAsync("user/1", "r", hash: 10, period: 60_000);
        var v2 = await UpsertAsync("user/1", "r", hash: 10, period: 120_000);
        Assert.NotEqual(v1, v2);

        Assert.False(await DeleteAsync("user/1", "r", v1));
        Assert.True(await DeleteAsync("user/1", "r", v2));
        Assert.False(await DeleteAsync("user/1", "r", v2));

        // Re-created after a delete: the old ETag must not match again (no ABA).
        var v3 = await UpsertAsync("user/1", "r", hash: 10, period: 60_000);
        Assert.NotEqual(v1, v3);
        Assert.NotEqual(v2, v3);
    }

    [Fact]
    public async Task Periods_beyond_int32_milliseconds_are_stored_and_read_back()
    {
        var longPeriod = (long)int.MaxValue + 1000;
        await UpsertAsync("user/2", "long", hash: 5, period: longPeriod);

        var row = Assert.Single(await _queries.RunAsync("ReadReminderRowKey",
            ("ServiceId", DbType.String, _service), ("GrainId", DbType.AnsiString, "user/2"), ("ReminderName", DbType.String, "long")));

        Assert.Equal(longPeriod, row["Period"]);
        Assert.Equal(Start, ((DateTime)row["StartTime"]!).ToUniversalTime());
    }

    [Fact]
    public async Task Range_queries_compare_signed_hashes_and_the_second_one_wraps_around_the_ring()
    {
        await UpsertAsync("g/min", "r", hash: int.MinValue, period: 60_000);
        await UpsertAsync("g/neg", "r", hash: -100, period: 60_000);
        await UpsertAsync("g/zero", "r", hash: 0, period: 60_000);
        await UpsertAsync("g/pos", "r", hash: 100, period: 60_000);
        await UpsertAsync("g/max", "r", hash: int.MaxValue, period: 60_000);

        Assert.Equal(["g/pos", "g/zero"], await RangeAsync("ReadRangeRows1Key", -100, 100));
        Assert.Equal(["g/max", "g/min", "g/neg"], await RangeAsync("ReadRangeRows2Key", 100, -100));
        // Begin = End means the whole ring.
        Assert.Equal(5, (await RangeAsync("ReadRangeRows2Key", 7, 7)).Count);
    }

    [Fact]
    public async Task Reading_a_grains_reminders_returns_only_that_grains_rows()
    {
        await UpsertAsync("user/3", "a", hash: 1, period: 60_000);
        await UpsertAsync("user/3", "b", hash: 1, period: 60_000);
        await UpsertAsync("user/4", "a", hash: 2, period: 60_000);

        var rows = await _queries.RunAsync("ReadReminderRowsKey", ("ServiceId", DbType.String, _service), ("GrainId", DbType.AnsiString, "user/3"));

        Assert.Equal(["a", "b"], rows.Select(r => (string)r["ReminderName"]!).Order());
        Assert.Empty(await _queries.RunAsync("ReadReminderRowKey",
            ("ServiceId", DbType.String, _service), ("GrainId", DbType.AnsiString, "user/3"), ("ReminderName", DbType.String, "zzz")));
    }

    private async Task<int> UpsertAsync(string grainId, string name, int hash, long period)
    {
        // The provider sends Period as int when it fits, as long otherwise.
        (string, DbType, object?) periodParameter = period <= int.MaxValue
            ? ("Period", DbType.Int32, (int)period)
            : ("Period", DbType.Int64, period);
        var rows = await _queries.RunAsync("UpsertReminderRowKey",
            ("ServiceId", DbType.String, _service), ("GrainHash", DbType.Int32, hash), ("GrainId", DbType.AnsiString, grainId),
            ("ReminderName", DbType.String, name), ("StartTime", DbType.DateTime, Start), periodParameter);
        return (int)Assert.Single(rows)["Version"]!;
    }

    private async Task<bool> DeleteAsync(string grainId, string name, int version)
    {
        var rows = await _queries.RunAsync("DeleteReminderRowKey",
            ("ServiceId", DbType.String, _service), ("GrainId", DbType.AnsiString, grainId),
            ("ReminderName", DbType.String, name), ("Version", DbType.Int32, version));
        return (bool)Assert.Single(Assert.Single(rows).Values)!;
    }

    private async Task<List<string>> RangeAsync(string key, int begin, int end)
    {
        var rows = await _queries.RunAsync(key,
            ("ServiceId", DbType.String, _service), ("BeginHash", DbType.Int32, begin), ("EndHash", DbType.Int32, end));
        return rows.Select(r => (string)r["GrainId"]!).Order(StringComparer.Ordinal).ToList();
    }
}
