namespace Scheduler.Database.Tests;

/// <summary>Two silos sharing one membership table: joining and leaving go through the version check.</summary>
public sealed class ClusterTests
{
    [Fact]
    public async Task A_second_silo_joins_and_is_marked_dead_in_the_table_when_it_stops()
    {
        await using var database = await MigratedDatabase.CreateAsync();
        var sql = new StoredQueries(database.ConnectionString);
        var clusterId = "cluster-" + Guid.NewGuid().ToString("N")[..8];
        using var first = SiloFixture.BuildSilo(database.ConnectionString, clusterId, "service");
        using var second = SiloFixture.BuildSilo(database.ConnectionString, clusterId, "service");

        await first.StartAsync();
        await second.StartAsync();
        try
        {
            Assert.Equal("3,3", await StatusesAsync());

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await second.StopAsync(timeout.Token);

            // Ordered by start time: the first silo is still active, the second one left cleanly.
            Assert.Equal("3,6", await StatusesAsync());
            var version = await sql.ScalarAsync<int>(
                "select version from orleans_membership_version where deployment_id = @cluster", ("cluster", clusterId));
            Assert.True(version >= 4, $"each join and status change bumps the version; got {version}");
        }
        finally
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await first.StopAsync(timeout.Token);
        }

        Task<string?> StatusesAsync() => sql.ScalarAsync<string>(
            "select string_agg(status::text, ',' order by start_time, port) from orleans_membership where deployment_id = @cluster",
            ("cluster", clusterId));
    }
}
