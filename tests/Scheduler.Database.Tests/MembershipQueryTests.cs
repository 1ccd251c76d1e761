using System.Data;

namespace Scheduler.Database.Tests;

/// <summary>The clustering queries, run as the provider runs them.</summary>
public sealed class MembershipQueryTests(MigratedDatabaseFixture fixture) : IClassFixture<MigratedDatabaseFixture>
{
    private const int Active = 3;
    private const int Dead = 6;
    private static readonly DateTime T0 = new(2030, 1, 1, 12, 0, 0, DateTimeKind.Utc);
    private readonly StoredQueries _queries = new(fixture.Database.ConnectionString);
    private readonly string _cluster = "cluster-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task A_new_cluster_reads_as_one_row_with_version_zero_and_no_member()
    {
        Assert.True(await InsertVersionAsync());
        Assert.False(await InsertVersionAsync());

        var row = Assert.Single(await ReadAllAsync());

        Assert.Equal(0, row["Version"]);
        Assert.Null(row["StartTime"]);
        Assert.Null(row["Address"]);
    }

    [Fact]
    public async Task Inserting_a_member_needs_the_current_version_and_bumps_it()
    {
        await InsertVersionAsync();

        Assert.False(await InsertMemberAsync(port: 1000, version: 7));
        Assert.True(await InsertMemberAsync(port: 1000, version: 0));
        Assert.False(await InsertMemberAsync(port: 1000, version: 1)); // same silo twice
        Assert.False(await InsertMemberAsync(port: 1001, version: 0)); // stale version
        Assert.True(await InsertMemberAsync(port: 1001, version: 1));

        var rows = await ReadAllAsync();
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Equal(2, r["Version"]));
    }

    [Fact]
    public async Task Concurrent_inserts_at_the_same_version_let_exactly_one_win()
    {
        await InsertVersionAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => InsertMemberAsync(port: 2000 + i, version: 0)));

        Assert.Single(results, r => r);
        Assert.Equal(1, Assert.Single(await ReadAllAsync())["Version"]);
    }

    [Fact]
    public async Task Update_needs_the_current_version_and_an_existing_member()
    {
        await InsertVersionAsync();
        await InsertMemberAsync(port: 1000, version: 0);

        Assert.False(await UpdateMemberAsync(port: 1000, Dead, "x", T0, version: 0));
        Assert.False(await UpdateMemberAsync(port: 9999, Dead, "x", T0, version: 1));
        Assert.True(await UpdateMemberAsync(port: 1000, Dead, "127.0.0.1:1@1,2030-01-01 12:00:00.000 GMT", T0, version: 1));

        var row = Assert.Single(await ReadRowAsync(1000));
        Assert.Equal(2, row["Version"]);
        Assert.Equal(Dead, row["Status"]);
        Assert.Equal("127.0.0.1:1@1,2030-01-01 12:00:00.000 GMT", row["SuspectTimes"]);
    }

    [Fact]
    public async Task The_heartbeat_moves_IAmAliveTime_forward_only_and_leaves_the_version_alone()
    {
        await InsertVersionAsync();
        await InsertMemberAsync(port: 1000, version: 0);

        await HeartbeatAsync(1000, T0.AddMinutes(5));
        await HeartbeatAsync(1000, T0.AddMinutes(1));

        var row = Assert.Single(await ReadRowAsync(1000));
        Assert.Equal(T0.AddMinutes(5), ((DateTime)row["IAmAliveTime"]!).ToUniversalTime());
        Assert.Equal(1, row["Version"]);
    }

    [Fact]
    public async Task Gateways_are_the_active_members_with_a_proxy_port()
    {
        await InsertVersionAsync();
        await InsertMemberAsync(port: 1000, version: 0, proxyPort: 3000);
        await InsertMemberAsync(port: 1001, version: 1, proxyPort: 0);
        await InsertMemberAsync(port: 1002, version: 2, proxyPort: 3002, status: Dead);

        var rows = await _queries.RunAsync("GatewaysQueryKey", ("DeploymentId", DbType.String, _cluster), ("Status", DbType.Int32, Active));

        var gateway = Assert.Single(rows);
        Assert.Equal("127.0.0.1", gateway["Address"]);
        Assert.Equal(3000, gateway["ProxyPort"]);
    }

    [Fact]
    public async Task Cleanup_deletes_only_dead_members_last_alive_before_the_cutoff()
    {
        await InsertVersionAsync();
        await InsertMemberAsync(port: 1000, version: 0, status: Dead, aliveAt: T0.AddHours(-2));
        await InsertMemberAsync(port: 1001, version: 1, status: Dead, aliveAt: T0.AddMinutes(10));
        await InsertMemberAsync(port: 1002, version: 2, status: Active, aliveAt: T0.AddHours(-2));
        await InsertMemberAsync(port: 1003, version: 3, status: 5, aliveAt: T0.AddHours(-2));

        await _queries.RunAsync("CleanupDefunctSiloEntriesKey", ("DeploymentId", DbType.String, _cluster), ("IAmAliveTime", DbType.DateTime, T0));

        var ports = (await ReadAllAsync()).Select(r => (int)r["Port"]!).Order();
        Assert.Equal([1001, 1002, 1003], ports);
    }

    [Fact]
    public async Task Deleting_the_cluster_removes_members_and_version()
    {
        await InsertVersionAsync();
        await InsertMemberAsync(port: 1000, version: 0);

        await _queries.RunAsync("DeleteMembershipTableEntriesKey", ("DeploymentId", DbType.String, _cluster));

        Assert.Empty(await ReadAllAsync());
        Assert.True(await InsertVersionAsync());
    }

    private async Task<bool> InsertVersionAsync() =>
        (bool)Assert.Single(Assert.Single(await _queries.RunAsync("InsertMembershipVersionKey", ("DeploymentId", DbType.String, _cluster))).Values)!;

    private Task<List<Dictionary<string, object?>>> ReadAllAsync() =>
        _queries.RunAsync("MembershipReadAllKey", ("DeploymentId", DbType.String, _cluster));

    private Task<List<Dictionary<string, object?>>> ReadRowAsync(int port) =>
        _queries.RunAsync("MembershipReadRowKey", ("DeploymentId", DbType.String, _cluster),
            ("Address", DbType.AnsiString, "127.0.0.1"), ("Port", DbType.Int32, port), ("Generation", DbType.Int32, 1));

    private async Task<bool> InsertMemberAsync(int port, int version, int proxyPort = 0, int status = Active, DateTime? aliveAt = null)
    {
        var rows = await _queries.RunAsync("InsertMembershipKey",
            ("DeploymentId", DbType.String, _cluster), ("Address", DbType.AnsiString, "127.0.0.1"),
            ("Port", DbType.Int32, port), ("Generation", DbType.Int32, 1), ("SiloName", DbType.String, $"silo{port}"),
            ("HostName", DbType.String, "host"), ("Status", DbType.Int32, status), ("ProxyPort", DbType.Int32, proxyPort),
            ("StartTime", DbType.DateTime, T0.AddHours(-3)), ("IAmAliveTime", DbType.DateTime, aliveAt ?? T0),
            ("Version", DbType.Int32, version));
        return (bool)Assert.Single(Assert.Single(rows).Values)!;
    }

    private async Task<bool> UpdateMemberAsync(int port, int status, string? suspectTimes, DateTime aliveAt, int version)
    {
        var rows = await _queries.RunAsync("UpdateMembershipKey",
            ("DeploymentId", DbType.String, _cluster), ("Address", DbType.AnsiString, "127.0.0.1"),
            ("Port", DbType.Int32, port), ("Generation", DbType.Int32, 1), ("Status", DbType.Int32, status),
            ("SuspectTimes", DbType.String, suspectTimes), ("IAmAliveTime", DbType.DateTime, aliveAt),
            ("Version", DbType.Int32, version));
        return (bool)Assert.Single(Assert.Single(rows).Values)!;
    }

    private Task HeartbeatAsync(int port, DateTime aliveAt) =>
        _queries.RunAsync("UpdateIAmAlivetimeKey",
            ("DeploymentId", DbType.String, _cluster), ("Address", DbType.AnsiString, "127.0.0.1"),
            ("Port", DbType.Int32, port), ("Generation", DbType.Int32, 1), ("IAmAliveTime", DbType.DateTime, aliveAt));
}
