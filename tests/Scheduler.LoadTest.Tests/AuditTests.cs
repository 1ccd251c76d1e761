using Scheduler.LoadTest.Audit;
using Scheduler.LoadTest.Targets;

namespace Scheduler.LoadTest.Tests;

/// <summary>
/// The audit's verdict is only worth trusting if it fails when the server is broken: each test runs a
/// scenario against a fake server with one injected bug and expects that bug named and a non-zero exit.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class AuditTests
{
    private static async Task<(RunOutcome Outcome, string Output)> RunAgainst(Faults faults, string scenario, int? requests = null)
    {
        await using var fake = await FakeScheduler.Start(faults);
        var settings = RunHelper.Settings(scenario, fake.Url) with
        {
            Requests = requests,
            SettleTimeout = TimeSpan.FromSeconds(2),
            Retries = 3,
        };
        // The audit verifies bookers' addresses through the mailed links, as against the product.
        File.WriteAllText(fake.MailLog, "");
        Environment.SetEnvironmentVariable("SCHEDULER_MAIL_LOG", fake.MailLog);
        try
        {
            return await RunHelper.Run(settings);
        }
        finally
        {
            Environment.SetEnvironmentVariable("SCHEDULER_MAIL_LOG", null);
            File.Delete(fake.MailLog);
        }
    }

    [Fact]
    public void A_calendars_history_counts_for_overlaps_but_is_never_taken_for_a_requests_booking()
    {
        var organizer = Guid.NewGuid();
        var at = new DateTimeOffset(2031, 3, 3, 9, 0, 0, TimeSpan.Zero);
        StoredBooking History(int minutes) => new(Guid.NewGuid(), organizer, Guid.NewGuid(),
            $"history-run@{Scheduler.LoadTest.Database.HistorySeed.Domain}", at.AddMinutes(minutes), at.AddMinutes(minutes + 30), "Confirmed");

        // Written history alone: nobody asked for it, and that is not a violation.
        Assert.Empty(AuditRules.Check([], [History(0), History(60)]));
        // Overlapping history is still a double booking; an unknown booking is still unrequested.
        var violations = AuditRules.Check([], [History(0), History(15),
            new StoredBooking(Guid.NewGuid(), organizer, null, "stranger@example.com", at.AddHours(5), at.AddHours(6), "Confirmed")]).ToList();
        Assert.Contains(violations, v => v.Check == AuditRules.DoubleBooking);
        Assert.Single(violations, v => v.Check == AuditRules.Unrequested);
    }

    [Fact]
    public async Task A_server_without_bugs_passes_the_audit()
    {
        var (outcome, output) = await RunAgainst(Faults.None, "hot-calendar", requests: 40);

        Assert.True(outcome.Report.Audit!.Passed, output);
        Assert.Equal(0, outcome.ExitCode);
        Assert.Equal(40, outcome.Report.Accepted);
        Assert.Contains("AUDIT PASSED", output);
    }

    [Fact]
    public async Task The_audit_catches_two_bookers_both_told_they_have_the_same_slot()
    {
        var (outcome, output) = await RunAgainst(Faults.DoubleBooks, "hot-slot", requests: 8);

        Assert.Equal(8, outcome.Report.Accepted);
        Assert.False(outcome.Report.Audit!.Passed);
        Assert.Equal(LoadTestRun.AuditFailed, outcome.ExitCode);
        Assert.True(outcome.Report.Audit.Violations[AuditRules.DoubleBooking] >= 7, output);
        Assert.Contains("AUDIT FAILED", output);
    }

    [Fact]
    public async Task The_audit_catches_a_booking_acknowledged_with_201_but_never_stored()
    {
        var (outcome, output) = await RunAgainst(Faults.LosesBookings, "hot-calendar", requests: 40);

        Assert.Equal(40, outcome.Report.Accepted);
        Assert.Equal(LoadTestRun.AuditFailed, outcome.ExitCode);
        Assert.Equal(8, outcome.Report.Audit!.Violations[AuditRules.Lost]);
        Assert.DoesNotContain(AuditRules.DoubleBooking, outcome.Report.Audit.Violations.Keys);
        Assert.Contains("lost", output);
    }

    [Fact]
    public async Task The_audit_catches_a_retry_that_booked_the_same_request_twice()
    {
        var (outcome, _) = await RunAgainst(Faults.DuplicatesRetries, "hot-calendar", requests: 10);

        Assert.Equal(10, outcome.Report.Retried);
        Assert.Equal(LoadTestRun.AuditFailed, outcome.ExitCode);
        Assert.Equal(10, outcome.Report.Audit!.Violations[AuditRules.Duplicate]);
    }

    [Fact]
    public async Task The_audit_catches_a_booking_whose_booker_was_never_notified()
    {
        var (outcome, _) = await RunAgainst(Faults.SkipsBookerNotifications, "hot-calendar", requests: 10);

        Assert.Equal(LoadTestRun.AuditFailed, outcome.ExitCode);
        Assert.True(outcome.Report.Audit!.Violations[AuditRules.MissingNotification] > 0);
        Assert.Equal([AuditRules.MissingNotification], outcome.Report.Audit.Violations.Keys);
    }
}
