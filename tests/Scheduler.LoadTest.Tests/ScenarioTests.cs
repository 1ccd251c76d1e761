using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Scheduler.LoadTest.Audit;

namespace Scheduler.LoadTest.Tests;

/// <summary>A run of a few seconds of every scenario against the product started in-process, each followed by the audit.</summary>
[Collection(SystemCollection.Name)]
public sealed class ScenarioTests(SystemFixture system)
{
    [Fact]
    public async Task Hot_calendar_books_distinct_slots_and_reports_PostgreSQL_commits_and_WAL_per_booking()
    {
        var settings = RunHelper.Settings("hot-calendar", system.Url) with { Db = system.App.ConnectionString };

        var (outcome, output) = await RunHelper.Run(settings);

        Assert.True(outcome.Report.Audit!.Passed, output);
        Assert.Equal(0, outcome.ExitCode);
        Assert.True(outcome.Report.Accepted > 0, output);
        Assert.Equal(0, outcome.Report.Refused);
        Assert.True(outcome.Report.Audit.SqlChecked);
        var db = outcome.Report.Database!;
        // Not "at least one commit per booking": a group commit may carry many bookings.
        Assert.True(db.Commits > 0, $"{db.Commits} commits for {outcome.Report.Accepted} bookings");
        Assert.Equal(Math.Round((double)db.Commits / outcome.Report.Accepted, 2), db.CommitsPerAcceptedBooking);
        Assert.True(db.WalBytes > 0);
        Assert.True(db.PeakConnections > 0);
        Assert.Contains("commits per accepted booking", output);
    }

    [Fact]
    public async Task Hot_calendar_with_a_history_books_into_a_calendar_that_reloaded_it_and_the_audit_ignores_only_the_history()
    {
        var settings = RunHelper.Settings("hot-calendar", system.Url) with { Db = system.App.ConnectionString, History = (300, 40), DbCounters = false };

        var (outcome, output) = await RunHelper.Run(settings);

        Assert.True(outcome.Report.Audit!.Passed, output);
        Assert.Contains("history: 300 past and 40 future bookings written", output);
        Assert.True(outcome.Report.Audit.SqlChecked, output);
        Assert.Null(outcome.Report.Database);
        await using var db = Npgsql.NpgsqlDataSource.Create(system.App.ConnectionString);
        await using var command = db.CreateCommand("""
            select b.organizer_id, b.event_type_id, b.start_time,
                   (select count(*) from bookings h where h.organizer_id = b.organizer_id and h.email like 'history-%'),
                   (select count(*) from bookings h where h.organizer_id = b.organizer_id and h.email like 'history-%' and h.end_time < now())
            from bookings b where b.email like 'history-%' and b.start_time > now()
            order by b.created_at desc, b.start_time limit 1
            """);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), "a future history booking is stored");
        var (eventTypeId, taken, total, ended) = (reader.GetGuid(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetInt64(3), reader.GetInt64(4));
        Assert.Equal(340, total);
        Assert.Equal(300, ended);

        // The calendar decided the run's bookings knowing its history: a start inside a future history
        // booking is refused as taken (an empty calendar would offer it).
        using var http = new HttpClient { BaseAddress = system.Url };
        var refused = await http.PostAsJsonAsync("/api/bookings",
            new { eventTypeId, start = taken.AddMinutes(5), name = "Late", email = $"late-{Guid.NewGuid():N}@example.com" });
        Assert.Equal(System.Net.HttpStatusCode.Conflict, refused.StatusCode);
    }

    [Fact]
    public async Task Hot_slot_has_exactly_one_winner_and_everyone_else_is_refused()
    {
        var settings = RunHelper.Settings("hot-slot", system.Url) with { Concurrency = 20, Requests = 20 };

        var (outcome, output) = await RunHelper.Run(settings);

        Assert.Equal(0, outcome.ExitCode);
        Assert.Equal(1, outcome.Report.Accepted);
        Assert.Equal(19, outcome.Report.Refused);
        Assert.Equal(1, outcome.Report.Audit!.Stored);
        Assert.Contains("AUDIT PASSED", output);
    }

    [Fact]
    public async Task Many_calendars_books_across_organizers_and_passes_the_audit()
    {
        var settings = RunHelper.Settings("many-calendars", system.Url) with { Organizers = 3 };

        var (outcome, output) = await RunHelper.Run(settings);

        Assert.Equal(0, outcome.ExitCode);
        Assert.Equal(3, outcome.Report.Organizers);
        Assert.True(outcome.Report.Accepted >= 3, output);
        Assert.Equal(outcome.Report.Accepted, outcome.Report.Audit!.Stored);
    }

    [Fact]
    public async Task Browse_queries_slots_with_a_trickle_of_bookings()
    {
        var settings = RunHelper.Settings("browse", system.Url) with { BookEvery = 5 };

        var (outcome, output) = await RunHelper.Run(settings);

        Assert.Equal(0, outcome.ExitCode);
        Assert.True(outcome.Report.Reads > 0, output);
        Assert.True(outcome.Report.Accepted > 0, output);
        Assert.Equal(0, outcome.Report.Errors);
        Assert.Contains(outcome.Report.Latencies, l => l.Name == "slot queries" && l.Count == outcome.Report.Reads);
    }

    [Fact]
    public async Task Live_hears_every_acknowledged_booking_on_the_hub_and_measures_201_to_push()
    {
        var settings = RunHelper.Settings("live", system.Url) with { Rate = 20 };

        var (outcome, output) = await RunHelper.Run(settings);

        Assert.Equal(0, outcome.ExitCode);
        Assert.True(outcome.Report.Accepted > 0, output);
        var push = Assert.Single(outcome.Report.Latencies, l => l.Name == "201 → BookingChanged");
        Assert.Equal(outcome.Report.Accepted, push.Count);
        Assert.DoesNotContain(AuditRules.MissingPush, outcome.Report.Audit!.Violations.Keys);
    }

    [Fact]
    public async Task The_same_scenarios_run_against_the_baseline()
    {
        var hotSlot = RunHelper.Settings("hot-slot", system.Url, TargetKind.Baseline) with { Concurrency = 20, Requests = 20 };
        var hotCalendar = RunHelper.Settings("hot-calendar", system.Url, TargetKind.Baseline) with { Db = system.App.ConnectionString };

        var (slot, slotOutput) = await RunHelper.Run(hotSlot);
        var (calendar, calendarOutput) = await RunHelper.Run(hotCalendar);

        Assert.Equal(0, slot.ExitCode);
        Assert.Equal(1, slot.Report.Accepted);
        Assert.Equal(19, slot.Report.Refused);
        Assert.Equal(0, calendar.ExitCode);
        Assert.True(calendar.Report.Accepted > 0, calendarOutput);
        Assert.True(calendar.Report.Audit!.SqlChecked, slotOutput);
        Assert.Equal("baseline", calendar.Report.Target);
    }

    [Fact]
    public async Task The_report_files_are_written_and_parseable_and_the_HTML_needs_nothing_from_the_network()
    {
        var (outcome, _) = await RunHelper.Run(RunHelper.Settings("hot-calendar", system.Url) with { Warmup = TimeSpan.FromSeconds(1) });

        var json = RunHelper.ReadJson(outcome);
        Assert.Equal(outcome.Report.Accepted, json.Accepted);
        Assert.Equal(outcome.Report.Requests, json.Requests);
        Assert.Equal("hot-calendar", json.Scenario);
        Assert.True(json.Audit!.Passed);
        Assert.Equal(json.Requests, json.Timeline.Sum(p => p.Accepted + p.Refused + p.Rejected + p.Errors + p.Reads));
        var all = Assert.Single(json.Latencies, l => l.Name == "all requests");
        Assert.Equal(json.Requests, all.Count);
        Assert.Equal(all.Count, all.Buckets.Sum(b => b.Count));
        Assert.True(all.P50 <= all.P99 && all.P99 <= all.Max);

        var html = await File.ReadAllTextAsync(outcome.HtmlPath);
        Assert.Contains("Latency histogram", html);
        Assert.Contains("Throughput over time", html);
        Assert.Contains("<svg", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("<link", html);
        Assert.DoesNotMatch(new Regex(@"(src|href)\s*=", RegexOptions.IgnoreCase), html);
        Assert.EndsWith("</html>\n", html);
    }

    [Fact]
    public async Task Hot_calendar_reports_the_commit_batch_sizes_the_silo_saw()
    {
        var settings = RunHelper.Settings("hot-calendar", system.Url) with { Metrics = [system.SiloMetrics] };

        var (outcome, output) = await RunHelper.Run(settings);

        Assert.Equal(0, outcome.ExitCode);
        var batches = RunHelper.ReadJson(outcome).CommitBatches!;
        Assert.True(batches.Found, batches.Note);
        Assert.Equal([system.SiloMetrics.ToString()], batches.Sources);
        Assert.True(batches.Commits > 0, output);
        // Every acknowledged booking was written by a commit the silo counted (other tests' calendars may add more).
        Assert.True(batches.Bookings >= outcome.Report.Accepted, $"{batches.Bookings} bookings in commits, {outcome.Report.Accepted} accepted");
        Assert.Equal(batches.Commits, batches.Buckets.Sum(b => b.Commits));
        Assert.Equal(Math.Round(batches.Bookings / batches.Commits, 2), batches.MeanBatchSize);
        Assert.True(batches.P50 <= batches.P99, $"p50 {batches.P50}, p99 {batches.P99}");
        Assert.Contains("bookings per commit", output);
        Assert.Contains("Commit batch sizes (silo metrics)", await File.ReadAllTextAsync(outcome.HtmlPath));
    }

    [Fact]
    public async Task A_run_whose_metrics_cannot_be_read_says_so_and_still_passes()
    {
        var unreachable = new Uri("http://127.0.0.1:1/metrics");
        var settings = RunHelper.Settings("hot-slot", system.Url) with { Concurrency = 5, Requests = 5, Metrics = [unreachable] };

        var (outcome, output) = await RunHelper.Run(settings);

        Assert.Equal(0, outcome.ExitCode);
        var batches = outcome.Report.CommitBatches!;
        Assert.False(batches.Found);
        Assert.Contains($"could not read {unreachable}", batches.Note);
        Assert.Contains("commit batch sizes", output);
    }
}
