using static Scheduler.IntegrationTests.Infrastructure.Api;

namespace Scheduler.IntegrationTests.Grains;

/// <summary>
/// The calendar grain's promises, straight through its grain interface on an in-process cluster over
/// the real PostgreSQL: concurrent decisions never double-book, and what it acknowledged is durable.
/// </summary>
public sealed class CalendarGrainTests(CalendarCluster fixture) : IClassFixture<CalendarCluster>
{
    // Without from/to a listing holds every booking not yet ended, whatever its status.
    private static readonly BookingListQuery Upcoming = new(null, null, null, 1000, null, null);

    /// <summary>
    /// A calendar of a new organizer (signed up through the email grain, as the API does) in UTC:
    /// its rules, Monday and Tuesday 09:00–17:00, are UTC times.
    /// </summary>
    private async Task<(ICalendarGrain Calendar, Guid HalfHour, Guid Hour)> NewCalendar()
    {
        var email = $"organizer-{Guid.NewGuid():N}@example.com";
        var signUp = await fixture.Client.GetGrain<IEmailGrain>(GrainKeys.Email(email))
            .SignUp(new SignUpRequest("Olga Organizer", email, "not-a-real-hash", "UTC"));
        var calendar = fixture.Client.GetGrain<ICalendarGrain>(signUp.User!.Id);
        await calendar.ReplaceAvailability([new(DayOfWeek.Monday, 9 * 60, 17 * 60), new(DayOfWeek.Tuesday, 9 * 60, 17 * 60)]);
        var halfHour = await calendar.CreateEventType(new EventTypeDraft("Intro call", "", 30, "Video"));
        var hour = await calendar.CreateEventType(new EventTypeDraft("Deep dive", "", 60, "Video"));
        return (calendar, halfHour.EventType!.Id, hour.EventType!.Id);
    }

    private static DateTimeOffset Utc(DateOnly date, int hour, int minute = 0) =>
        new(date.ToDateTime(new TimeOnly(hour, minute)), TimeSpan.Zero);

    private static BookingRequest Request(Guid eventTypeId, DateTimeOffset start) =>
        new(eventTypeId, start, Guid.Empty, "Bob Booker", $"booker-{Guid.NewGuid():N}@example.com", null, null, null);

    private ActivationId ActivationOf(ICalendarGrain calendar)
    {
        Assert.True(fixture.Cluster.TryGetGrainContext(calendar.GetGrainId(), out var context), "the calendar is active");
        return context!.ActivationId;
    }

    [Fact]
    public async Task The_calendar_refuses_invalid_settings_rules_and_limits_whoever_calls_it()
    {
        var (calendar, halfHour, _) = await NewCalendar();
        // Drafts that bypass the web layer's checks: the calendar's own decision refuses them.
        var zero = await calendar.CreateEventType(new EventTypeDraft("Broken", "", 0, "Video", BufferBeforeMinutes: -5));
        Assert.Null(zero.EventType);
        Assert.Equal(["durationMinutes", "bufferBeforeMinutes"], zero.Errors.Select(e => e.Field));
        var update = await calendar.UpdateEventType(halfHour, new EventTypeDraft("Intro call", "", 30, "Video", MaxBookingsPerDay: 0));
        Assert.Equal(["maxBookingsPerDay"], update!.Errors.Select(e => e.Field));
        Assert.Equal(30, (await calendar.GetEventType(halfHour))!.DurationMinutes);
        Assert.Null((await calendar.GetEventType(halfHour))!.MaxBookingsPerDay);

        Assert.NotEmpty((await calendar.ReplaceAvailability([new(DayOfWeek.Monday, 600, 540)])).Errors);
        Assert.NotEmpty((await calendar.ReplaceAvailability(Enumerable.Repeat(new AvailabilityRuleDraft(DayOfWeek.Friday, 0, 60), 201).ToList())).Errors);
        Assert.Equal(2, (await calendar.GetAvailability()).Count);

        Assert.NotEmpty((await calendar.SetDateOverride(new DateOverrideDraft(FutureMonday, [new(600, 2000)]))).Errors);
        Assert.NotEmpty((await calendar.BlockTime(new BlockedTimeDraft("Backwards", Utc(FutureMonday, 12), Utc(FutureMonday, 11)))).Errors);
        Assert.Empty(await calendar.GetDateOverrides());
    }

    [Fact]
    public async Task Concurrent_bookings_on_one_calendar_never_overlap_and_every_acknowledged_one_survives_reactivation()
    {
        var (calendar, halfHour, hour) = await NewCalendar();
        // Every half-hour slot of two days, wanted by three bookers of the half-hour type; each full
        // hour also by one booker of the hour type, which overlaps two half-hour slots.
        var grid = new[] { FutureMonday, FutureMonday.AddDays(1) }
            .SelectMany(date => Enumerable.Range(0, 16).Select(k => Utc(date, 9).AddMinutes(30 * k)))
            .ToList();
        var requests = grid.SelectMany(start => Enumerable.Repeat(halfHour, 3).Select(type => Request(type, start)))
            .Concat(grid.Where(start => start.Minute == 0).Select(start => Request(hour, start)))
            .OrderBy(_ => Random.Shared.Next())
            .ToList();

        var outcomes = await Task.WhenAll(requests.Select(calendar.Book));

        Assert.All(outcomes, o => Assert.Contains(o.Kind, new[] { BookingOutcomeKind.Created, BookingOutcomeKind.SlotUnavailable }));
        var booked = outcomes.Where(o => o.Kind == BookingOutcomeKind.Created).Select(o => o.Booking!).OrderBy(b => b.Start).ToList();
        for (var i = 1; i < booked.Count; i++)
            Assert.True(booked[i - 1].End <= booked[i].Start, $"{booked[i - 1].Start:u}–{booked[i - 1].End:u} overlaps {booked[i].Start:u}–{booked[i].End:u}");
        // A start is refused only when taken, so together the bookings cover every slot exactly once.
        Assert.All(grid, slot => Assert.Single(booked, b => b.Start <= slot && slot < b.End));
        foreach (var booking in booked) Assert.Equal(booking, await calendar.GetBooking(booking.Id));

        // Acknowledged means written: a new activation, reading from PostgreSQL, has every one of them.
        var activation = ActivationOf(calendar);
        await fixture.Cluster.DeactivateAsync(calendar);
        var listed = await calendar.ListBookings(Upcoming);
        Assert.NotEqual(activation, ActivationOf(calendar));
        Assert.Equal(booked.Select(b => b.Id).Order(), listed.Items.Select(b => b.Id).Order());
    }

    [Fact]
    public async Task A_reactivated_calendar_keeps_its_bookings_cancellations_taken_slots_and_manage_tokens()
    {
        var (calendar, halfHour, _) = await NewCalendar();
        var outcomes = new List<BookingOutcome>();
        foreach (var hour in new[] { 9, 10, 11 })
        {
            var outcome = await calendar.Book(Request(halfHour, Utc(FutureMonday, hour)));
            Assert.Equal(BookingOutcomeKind.Created, outcome.Kind);
            outcomes.Add(outcome);
        }
        var cancelled = outcomes[2].Booking!.Id;
        Assert.Equal(CancelOutcomeKind.Cancelled, (await calendar.Cancel(cancelled, "moved", BookingParty.Booker)).Kind);
        var before = (await calendar.ListBookings(Upcoming)).Items;

        var activation = ActivationOf(calendar);
        await fixture.Cluster.DeactivateAsync(calendar);
        var after = (await calendar.ListBookings(Upcoming)).Items;

        Assert.NotEqual(activation, ActivationOf(calendar));
        Assert.Equal(before, after);
        Assert.Equal(BookingStatus.Cancelled, after.Single(b => b.Id == cancelled).Status);
        Assert.Equal("moved", after.Single(b => b.Id == cancelled).CancellationReason);
        // The tokens issued before still open their bookings (the signing key was stored too).
        foreach (var outcome in outcomes)
            Assert.True(await calendar.IsManageTokenValid(outcome.Booking!.Id, outcome.ManageToken!));
        // Booked slots stay taken; the cancelled one is free.
        Assert.Equal(BookingOutcomeKind.SlotUnavailable, (await calendar.Book(Request(halfHour, Utc(FutureMonday, 9)))).Kind);
        Assert.Equal(BookingOutcomeKind.SlotUnavailable, (await calendar.Book(Request(halfHour, Utc(FutureMonday, 10)))).Kind);
        Assert.Equal(BookingOutcomeKind.Created, (await calendar.Book(Request(halfHour, Utc(FutureMonday, 11)))).Kind);
    }

    private static async Task<(BookingOutcome? Outcome, Exception? Error)> Capture(Task<BookingOutcome> call)
    {
        try { return (await call, null); }
        catch (Exception e) { return (null, e); }
    }

    [Fact]
    public async Task A_failed_commit_fails_every_caller_not_yet_durable_and_the_reloaded_calendar_holds_only_what_it_acknowledged()
    {
        var (calendar, halfHour, _) = await NewCalendar();
        var durable = await calendar.Book(Request(halfHour, Utc(FutureMonday, 9)));
        Assert.Equal(BookingOutcomeKind.Created, durable.Kind);
        var before = ActivationOf(calendar);

        // The next commit fails without reaching the database; decisions riding on it must not be acknowledged.
        fixture.Faults.FailNextWrites(Infrastructure.FaultyCalendarStore.StateName, 1, Infrastructure.FaultMode.FailBeforeWrite);
        var starts = Enumerable.Range(0, 8).Select(k => Utc(FutureMonday, 10).AddMinutes(30 * k)).ToList();
        var answers = await Task.WhenAll(starts.Select(start => Capture(calendar.Book(Request(halfHour, start)))));

        Assert.Contains(answers, a => a.Error is RetryLaterException);
        Assert.All(answers, a => Assert.True(a.Error is RetryLaterException || a.Outcome?.Kind == BookingOutcomeKind.Created,
            $"either booked or told to retry, not {a.Error?.GetType().Name ?? a.Outcome?.Kind.ToString()}"));

        // Callers retry until a fresh activation answers (the broken one refuses and deactivates).
        var elapsed = System.Diagnostics.Stopwatch.StartNew();
        BookingOutcome? retried = null;
        while (retried is null)
        {
            var attempt = await Capture(calendar.Book(Request(halfHour, Utc(FutureMonday.AddDays(1), 9))));
            if (attempt.Error is RetryLaterException && elapsed.Elapsed < TimeSpan.FromSeconds(20)) { await Task.Delay(50); continue; }
            Assert.Null(attempt.Error);
            retried = attempt.Outcome;
        }
        Assert.Equal(BookingOutcomeKind.Created, retried!.Kind);
        Assert.NotEqual(before, ActivationOf(calendar));

        // What the reloaded calendar holds is exactly what was acknowledged: nothing of the failed commit.
        var acknowledged = answers.Where(a => a.Outcome?.Kind == BookingOutcomeKind.Created).Select(a => a.Outcome!.Booking!.Id)
            .Append(durable.Booking!.Id).Append(retried.Booking!.Id).Order().ToList();
        var listed = await calendar.ListBookings(Upcoming);
        Assert.Equal(acknowledged, listed.Items.Select(b => b.Id).Order().ToList());
        // And the starts whose answers were "retry" are free again for the callers' retries.
        foreach (var (start, answer) in starts.Zip(answers).Where(p => p.Second.Error is not null))
            Assert.Equal(BookingOutcomeKind.Created, (await calendar.Book(Request(halfHour, start))).Kind);
    }
}
