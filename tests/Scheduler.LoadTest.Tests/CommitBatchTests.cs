using System.Net;
using System.Text;
using Scheduler.LoadTest.Metrics;

namespace Scheduler.LoadTest.Tests;

/// <summary>
/// Reading the silos' commit batch-size histogram from Prometheus text, and what the report makes of
/// two scrapes: commits, bookings, bookings per commit, buckets, estimated percentiles.
/// </summary>
public sealed class CommitBatchTests
{
    /// <summary>A silo's scrape as OpenTelemetry's exporter writes it (shortened), before a run.</summary>
    private const string Before = """
        # TYPE target_info gauge
        # HELP target_info Target metadata
        target_info{telemetry_sdk_name="opentelemetry",telemetry_sdk_language="dotnet",telemetry_sdk_version="1.20.1",service_name="unknown_service:dotnet"} 1

        # TYPE scheduler_bookings_total counter
        # HELP scheduler_bookings_total Booking attempts decided by a calendar, by outcome
        scheduler_bookings_total{otel_scope_name="Scheduler",outcome="Created"} 12 1764420000000
        scheduler_bookings_total{otel_scope_name="Scheduler",outcome="SlotUnavailable"} 3 1764420000000

        # TYPE scheduler_commit_duration_milliseconds histogram
        scheduler_commit_duration_milliseconds_bucket{otel_scope_name="Scheduler",le="5"} 7
        scheduler_commit_duration_milliseconds_bucket{otel_scope_name="Scheduler",le="+Inf"} 9
        scheduler_commit_duration_milliseconds_sum{otel_scope_name="Scheduler"} 51.25
        scheduler_commit_duration_milliseconds_count{otel_scope_name="Scheduler"} 9

        # TYPE db_client_operation_duration_seconds histogram
        db_client_operation_duration_seconds_bucket{otel_scope_name="Npgsql",db_client_connection_pool_name="Host=127.0.0.1;Port=55780;Application Name=\"a \\ b\"",le="0.001"} 1
        db_client_operation_duration_seconds_bucket{otel_scope_name="Npgsql",db_client_connection_pool_name="Host=127.0.0.1;Port=55780;Application Name=\"a \\ b\"",le="+Inf"} 18

        # TYPE scheduler_commit_batch_size histogram
        # HELP scheduler_commit_batch_size Bookings written by one calendar group commit
        scheduler_commit_batch_size_bucket{otel_scope_name="Scheduler",le="0"} 2
        scheduler_commit_batch_size_bucket{otel_scope_name="Scheduler",le="1"} 9
        scheduler_commit_batch_size_bucket{otel_scope_name="Scheduler",le="2"} 9
        scheduler_commit_batch_size_bucket{otel_scope_name="Scheduler",le="4"} 9
        scheduler_commit_batch_size_bucket{otel_scope_name="Scheduler",le="8"} 10
        scheduler_commit_batch_size_bucket{otel_scope_name="Scheduler",le="16"} 10
        scheduler_commit_batch_size_bucket{otel_scope_name="Scheduler",le="+Inf"} 10
        scheduler_commit_batch_size_sum{otel_scope_name="Scheduler"} 12
        scheduler_commit_batch_size_count{otel_scope_name="Scheduler"} 10
        """;

    /// <summary>The same silo after the run: 40 more commits (20 of one booking, 10 of 2, 5 of 3–4, 5 of 9–16) writing 110 more bookings.</summary>
    private const string After = """
        # TYPE scheduler_commit_batch_size histogram
        # HELP scheduler_commit_batch_size Bookings written by one calendar group commit
        scheduler_commit_batch_size_bucket{otel_scope_name="Scheduler",le="0"} 2
        scheduler_commit_batch_size_bucket{otel_scope_name="Scheduler",le="1"} 29
        scheduler_commit_batch_size_bucket{otel_scope_name="Scheduler",le="2"} 39
        scheduler_commit_batch_size_bucket{otel_scope_name="Scheduler",le="4"} 44
        scheduler_commit_batch_size_bucket{otel_scope_name="Scheduler",le="8"} 45
        scheduler_commit_batch_size_bucket{otel_scope_name="Scheduler",le="16"} 50
        scheduler_commit_batch_size_bucket{otel_scope_name="Scheduler",le="+Inf"} 50
        scheduler_commit_batch_size_sum{otel_scope_name="Scheduler"} 122
        scheduler_commit_batch_size_count{otel_scope_name="Scheduler"} 50
        # EOF
        """;

    [Fact]
    public void Parses_names_labels_escaped_values_and_special_numbers()
    {
        var samples = PrometheusText.Parse(Before + "\nweird_gauge{a=\"x\"} NaN\nlow_bucket{le=\"-Inf\"} 0\nnot a sample line\n");

        var created = Assert.Single(samples, s => s.Name == "scheduler_bookings_total" && s.Labels["outcome"] == "Created");
        Assert.Equal(12, created.Value); // the timestamp after the value is not the value
        Assert.Equal("Scheduler", created.Labels["otel_scope_name"]);
        var pool = samples.First(s => s.Name == "db_client_operation_duration_seconds_bucket");
        Assert.Equal("Host=127.0.0.1;Port=55780;Application Name=\"a \\ b\"", pool.Labels["db_client_connection_pool_name"]);
        Assert.Equal("0.001", pool.Labels["le"]);
        Assert.True(double.IsNaN(samples.Single(s => s.Name == "weird_gauge").Value));
        Assert.Equal("+Inf", samples.Last(s => s.Name == "scheduler_commit_batch_size_bucket").Labels["le"]);
        Assert.Equal(51.25, samples.Single(s => s.Name == "scheduler_commit_duration_milliseconds_sum").Value);
        Assert.DoesNotContain(samples, s => s.Name is "not" or "#" or "");
        // Comments and blank lines are no samples: 1 + 2 + 4 + 2 + 9 above, and the two added lines.
        Assert.Equal(20, samples.Count);
    }

    [Fact]
    public void Finds_the_batch_size_histogram_and_none_of_its_neighbours()
    {
        var histogram = CumulativeHistogram.Find(PrometheusText.Parse(Before), CommitBatchProbe.Histogram)!;

        Assert.Equal([0, 1, 2, 4, 8, 16, double.PositiveInfinity], histogram.Buckets.Select(b => b.UpperBound));
        Assert.Equal([2L, 9, 9, 9, 10, 10, 10], histogram.Buckets.Select(b => b.Count));
        Assert.Equal(12, histogram.Sum);
        Assert.Equal(10, histogram.Count);
        Assert.Null(CumulativeHistogram.Find(PrometheusText.Parse(Before), "scheduler_commit"));
        Assert.Null(CumulativeHistogram.Find(PrometheusText.Parse("# a front end's scrape\nhttp_server_active_requests 3\n"), CommitBatchProbe.Histogram));
    }

    [Fact]
    public void Series_that_differ_only_in_labels_other_than_le_add_up()
    {
        var text = """
            scheduler_commit_batch_size_bucket{otel_scope_name="Scheduler",silo="a",le="1"} 3
            scheduler_commit_batch_size_bucket{otel_scope_name="Scheduler",silo="a",le="+Inf"} 4
            scheduler_commit_batch_size_sum{otel_scope_name="Scheduler",silo="a"} 9
            scheduler_commit_batch_size_count{otel_scope_name="Scheduler",silo="a"} 4
            scheduler_commit_batch_size_bucket{otel_scope_name="Scheduler",silo="b",le="1.0"} 1
            scheduler_commit_batch_size_bucket{otel_scope_name="Scheduler",silo="b",le="+Inf"} 1
            scheduler_commit_batch_size_sum{otel_scope_name="Scheduler",silo="b"} 1
            scheduler_commit_batch_size_count{otel_scope_name="Scheduler",silo="b"} 1
            """;

        var histogram = CumulativeHistogram.Find(PrometheusText.Parse(text), CommitBatchProbe.Histogram)!;

        Assert.Equal([4L, 5], histogram.Buckets.Select(b => b.Count));
        Assert.Equal(10, histogram.Sum);
        Assert.Equal(5, histogram.Count);
    }

    [Fact]
    public void The_difference_of_two_scrapes_is_what_the_run_committed()
    {
        var before = CumulativeHistogram.Find(PrometheusText.Parse(Before), CommitBatchProbe.Histogram)!;
        var after = CumulativeHistogram.Find(PrometheusText.Parse(After), CommitBatchProbe.Histogram)!;

        var report = CommitBatchReport.From(["http://silo/metrics"], after.Minus(before), []);

        Assert.True(report.Found);
        Assert.Null(report.Note);
        Assert.Equal(40, report.Commits);
        Assert.Equal(110, report.Bookings);
        Assert.Equal(2.75, report.MeanBatchSize);
        // Empty buckets left out; each labelled with the whole bookings it holds.
        Assert.Equal(["1", "2", "3–4", "9–16"], report.Buckets.Select(b => b.Label));
        Assert.Equal([20L, 10, 5, 5], report.Buckets.Select(b => b.Commits));
        Assert.Equal("1: 20, 2: 10, 3–4: 5, 9–16: 5", report.Distribution);
        // The 20th of 40 commits is the last of the one-booking bucket; the 39.6th lies in 9–16.
        Assert.Equal(1, report.P50);
        Assert.Equal(16, report.P99);
    }

    [Fact]
    public void Quantiles_interpolate_inside_the_bucket_the_rank_falls_in()
    {
        var histogram = new CumulativeHistogram(
            [new(0, 0), new(10, 50), new(20, 100), new(double.PositiveInfinity, 100)], Sum: 1000, Count: 100);

        Assert.Equal(5, histogram.Quantile(0.25));
        Assert.Equal(10, histogram.Quantile(0.50));
        Assert.Equal(19, histogram.Quantile(0.95)!.Value, 6);
        Assert.Equal(10, histogram.Mean);
        // Observations beyond the last finite bound: the estimate is that bound, as histogram_quantile says.
        var overflowing = new CumulativeHistogram([new(8, 1), new(double.PositiveInfinity, 10)], Sum: 500, Count: 10);
        Assert.Equal(8, overflowing.Quantile(0.99));
        Assert.Null(CumulativeHistogram.Empty.Quantile(0.5));
        Assert.Equal("> 8", CommitBatchReport.From(["s"], overflowing, []).Buckets.Last().Label);
    }

    [Fact]
    public void Two_silos_add_up_at_the_bounds_they_share()
    {
        var a = new CumulativeHistogram([new(1, 2), new(2, 3), new(double.PositiveInfinity, 3)], Sum: 4, Count: 3);
        var b = new CumulativeHistogram([new(1, 1), new(4, 5), new(double.PositiveInfinity, 6)], Sum: 20, Count: 6);

        var both = a.Plus(b);

        Assert.Equal([1, double.PositiveInfinity], both.Buckets.Select(x => x.UpperBound));
        Assert.Equal([3L, 9], both.Buckets.Select(x => x.Count));
        Assert.Equal(24, both.Sum);
        Assert.Equal(9, both.Count);
    }

    [Fact]
    public void A_silo_that_restarted_during_the_run_counts_from_its_restart()
    {
        var before = CumulativeHistogram.Find(PrometheusText.Parse(After), CommitBatchProbe.Histogram)!;
        var restarted = new CumulativeHistogram([new(1, 3), new(double.PositiveInfinity, 4)], Sum: 6, Count: 4);

        var delta = restarted.Minus(before);

        Assert.Equal(4, delta.Count);
        Assert.Equal(6, delta.Sum);
    }

    [Fact]
    public void Without_the_histogram_the_report_says_so_instead_of_failing()
    {
        var report = CommitBatchReport.From(["http://127.0.0.1:5080/metrics"], null, ["could not read http://127.0.0.1:1/metrics: refused"]);

        Assert.False(report.Found);
        Assert.Equal(0, report.Commits);
        Assert.Empty(report.Buckets);
        Assert.Contains("no scheduler_commit_batch_size histogram at http://127.0.0.1:5080/metrics", report.Note);
        Assert.Contains("--metrics", report.Note);
        Assert.Contains("could not read http://127.0.0.1:1/metrics", report.Note);
    }

    [Fact]
    public async Task The_probe_adds_the_silos_and_names_the_sources_it_could_not_use()
    {
        var silo1 = new Uri("http://silo1:9000/metrics");
        var silo2 = new Uri("http://silo2:9001/metrics");
        var frontEnd = new Uri("http://web:5080/metrics");
        var down = new Uri("http://down:9002/metrics");
        var scrapes = new Scrapes();
        scrapes.Serve(silo1, Before, After);
        scrapes.Serve(silo2, "# no commits yet on this silo\n", After); // its first commits came during the run
        scrapes.Serve(frontEnd, "http_server_active_requests 1\n", "http_server_active_requests 2\n");
        using var probe = new CommitBatchProbe([silo1, silo2, frontEnd, down], scrapes);

        var before = await probe.Read(CancellationToken.None);
        var after = await probe.Read(CancellationToken.None);
        var report = probe.Report(before, after);

        Assert.True(report.Found);
        Assert.Equal(40 + 50, report.Commits);
        Assert.Equal(110 + 122, report.Bookings);
        Assert.Contains($"could not read {down}", report.Note);
        Assert.Contains($"no scheduler_commit_batch_size at {frontEnd}", report.Note);
        Assert.Equal([silo1.ToString(), silo2.ToString(), frontEnd.ToString(), down.ToString()], report.Sources);
        Assert.All(scrapes.Requests, r => Assert.Equal("text/plain", Assert.Single(r.Headers.Accept).MediaType));
    }

    [Theory]
    [InlineData("http://127.0.0.1:9280", "http://127.0.0.1:9280/metrics")]
    [InlineData("http://127.0.0.1:9280/", "http://127.0.0.1:9280/metrics")]
    [InlineData("http://127.0.0.1:9280/metrics", "http://127.0.0.1:9280/metrics")]
    [InlineData("http://host/prefix/metrics", "http://host/prefix/metrics")]
    public void A_source_without_a_path_means_its_metrics_endpoint(string given, string read) =>
        Assert.Equal(new Uri(read), CommitBatchProbe.Normalize(new Uri(given)));

    /// <summary>Serves each source's scrapes in turn; a source it does not know is down.</summary>
    private sealed class Scrapes : HttpMessageHandler
    {
        private readonly Dictionary<Uri, Queue<string>> _texts = [];

        public List<HttpRequestMessage> Requests { get; } = [];

        public void Serve(Uri source, params string[] texts) => _texts[source] = new Queue<string>(texts);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            if (!_texts.TryGetValue(request.RequestUri!, out var texts)) throw new HttpRequestException("Connection refused");
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent(texts.Dequeue(), Encoding.UTF8, "text/plain"),
            });
        }
    }
}
