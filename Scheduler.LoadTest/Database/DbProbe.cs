using Npgsql;

namespace Scheduler.LoadTest.Database;

/// <summary>Counters read before and after a run.</summary>
/// <param name="WalSyncs">WAL flushes to disk (<c>pg_stat_wal.wal_sync</c>, cluster-wide): the durable commits the disk saw.</param>
public sealed record DbCounters(long Commits, long Rollbacks, string WalLsn, long WalSyncs);

/// <summary>What the database did during the run (connections: sampled every 200 ms, all of the database's, idle pooled ones included).</summary>
/// <remarks>
/// <c>Commits</c> is <c>pg_stat_database.xact_commit</c>: every transaction, read-only ones included (Npgsql's
/// <c>DISCARD ALL</c> when a pooled connection is reused counts as one). <c>WalSyncs</c> counts the flushes
/// that make commits durable (several commits can share one). Both include the deployment's background
/// work (Orleans membership and reminder polling: a few per second).
/// </remarks>
public sealed record DbReport(
    string Database, long Commits, long Rollbacks, long WalBytes, long WalSyncs, int PeakConnections, int MaxConnections,
    double? CommitsPerAcceptedBooking, double? WalBytesPerAcceptedBooking, double? WalSyncsPerAcceptedBooking,
    IReadOnlyDictionary<string, int>? PeakConnectionsByApplication = null);

/// <summary>
/// Reads <c>pg_stat_database</c> (commits of the deployment's database) and <c>pg_current_wal_lsn()</c>
/// before and after a run, and samples <c>pg_stat_activity</c> for the peak number of server
/// connections to that database. It connects to the maintenance database <c>postgres</c> when it can,
/// so its own queries are not counted as the deployment's commits. WAL is cluster-wide: run on a
/// cluster of its own (scripts/bench.sh does) for WAL bytes that belong to the deployment alone.
/// </summary>
public sealed class DbProbe : IAsyncDisposable
{
    private readonly NpgsqlDataSource _source;
    private readonly string _database;
    private int _peak;
    private readonly Dictionary<string, int> _peakByApplication = [];
    private CancellationTokenSource? _sampling;
    private Task? _sampler;

    private DbProbe(NpgsqlDataSource source, string database)
    {
        _source = source;
        _database = database;
    }

    public string Database => _database;

    public static async Task<DbProbe> Open(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var database = builder.Database ?? builder.Username ?? "postgres";
        var maintenance = new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", MaxPoolSize = 2, ApplicationName = "scheduler-loadtest" };
        try
        {
            var source = NpgsqlDataSource.Create(maintenance.ConnectionString);
            await using (await source.OpenConnectionAsync()) { }
            return new DbProbe(source, database);
        }
        catch (PostgresException)
        {
            // No access to the maintenance database: count from the deployment's own (our few queries included).
            builder.MaxPoolSize = 2;
            builder.ApplicationName = "scheduler-loadtest";
            return new DbProbe(NpgsqlDataSource.Create(builder.ConnectionString), database);
        }
    }

    public async Task<DbCounters> Read(CancellationToken ct)
    {
        await using var command = _source.CreateCommand(
            "select xact_commit, xact_rollback, pg_current_wal_lsn()::text, (select wal_sync from pg_stat_wal) from pg_stat_database where datname = $1");
        command.Parameters.AddWithValue(_database);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) throw new InvalidOperationException($"database '{_database}' not found in pg_stat_database");
        return new DbCounters(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetInt64(3));
    }

    /// <summary>
    /// PostgreSQL (15+) backends publish their counters when they go idle, at most once a second, and an
    /// idle backend still holding unpublished counters flushes them 10 s later: reading 11 s after the
    /// last request counts everything the run did (and no more than background work meanwhile).
    /// </summary>
    public async Task<DbCounters> ReadSettled(CancellationToken ct)
    {
        await Task.Delay(SettleTime, ct);
        return await Read(ct);
    }

    public static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(11);

    public void StartSampling()
    {
        _sampling = new CancellationTokenSource();
        var ct = _sampling.Token;
        _sampler = Task.Run(async () =>
        {
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    await using var command = _source.CreateCommand(
                        "select coalesce(nullif(application_name, ''), '(none)'), count(*)::int from pg_stat_activity where datname = $1 group by 1");
                    command.Parameters.AddWithValue(_database);
                    var total = 0;
                    await using (var reader = await command.ExecuteReaderAsync(ct))
                    {
                        while (await reader.ReadAsync(ct))
                        {
                            var count = reader.GetInt32(1);
                            total += count;
                            lock (_peakByApplication)
                                _peakByApplication[reader.GetString(0)] = Math.Max(count, _peakByApplication.GetValueOrDefault(reader.GetString(0)));
                        }
                    }
                    if (total > Volatile.Read(ref _peak)) Volatile.Write(ref _peak, total);
                    await Task.Delay(200, ct);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                catch (NpgsqlException)
                {
                    // A sample lost under load is not a reason to stop sampling.
                }
            }
        });
    }

    public async Task<int> StopSampling()
    {
        if (_sampling is not null)
        {
            await _sampling.CancelAsync();
            await _sampler!;
        }
        return _peak;
    }

    /// <summary>Peak connections of each <c>application_name</c> (the baseline's pool is <c>scheduler-baseline</c>).</summary>
    public IReadOnlyDictionary<string, int> PeakByApplication
    {
        get { lock (_peakByApplication) return new Dictionary<string, int>(_peakByApplication); }
    }

    public async Task<DbReport> Report(DbCounters before, DbCounters after, int peak, long accepted, CancellationToken ct)
    {
        await using var command = _source.CreateCommand("select pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn)::bigint, current_setting('max_connections')::int");
        command.Parameters.AddWithValue(after.WalLsn);
        command.Parameters.AddWithValue(before.WalLsn);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var wal = reader.GetInt64(0);
        var commits = after.Commits - before.Commits;
        var syncs = after.WalSyncs - before.WalSyncs;
        double? PerBooking(long value) => accepted > 0 ? Math.Round((double)value / accepted, 2) : null;
        return new DbReport(_database, commits, after.Rollbacks - before.Rollbacks, wal, syncs, peak, reader.GetInt32(1),
            PerBooking(commits), PerBooking(wal), PerBooking(syncs), PeakByApplication);
    }

    /// <summary>A data source on the deployment's own database, for the SQL audit.</summary>
    public static NpgsqlDataSource ForAudit(string connectionString) =>
        NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 2, ApplicationName = "scheduler-loadtest-audit" }.ConnectionString);

    public async ValueTask DisposeAsync()
    {
        await StopSampling();
        await _source.DisposeAsync();
    }
}
