using System.Net;
using System.Net.Http.Json;
using Scheduler.IntegrationTests.Infrastructure;
using static Scheduler.IntegrationTests.Infrastructure.Api;

namespace Scheduler.IntegrationTests;

/// <summary>Event types, availability and slots through the HTTP API.</summary>
public sealed class CalendarApiTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private HttpClient Anonymous => fixture.Anonymous;

    [Fact]
    public async Task An_organizer_creates_lists_reads_updates_and_deletes_an_event_type()
    {
        var organizer = await Anonymous.SignUpAndSignIn(fixture.App);
        var created = await organizer.Client.PostAsJsonAsync("/api/event-types",
            new { title = "Consultation", description = "Bring questions", durationMinutes = 45, location = "Room 4" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var eventType = await created.Json();
        var id = eventType["id"]!.GetValue<Guid>();
        Assert.Equal(organizer.Id, eventType["userId"]!.GetValue<Guid>());
        Assert.Equal(45, eventType["durationMinutes"]!.GetValue<int>());
        Assert.Equal($"/api/event-types/{id}", created.Headers.Location!.OriginalString);

        var mine = await (await organizer.Client.GetAsync("/api/event-types")).JsonArray();
        Assert.Contains(mine, e => e!["id"]!.GetValue<Guid>() == id);

        var publicView = await (await Anonymous.GetAsync($"/api/event-types/{id}")).Json();
        Assert.Equal("Consultation", publicView["title"]!.GetValue<string>());
        Assert.Equal(organizer.Id, publicView["organizer"]!["id"]!.GetValue<Guid>());
        Assert.Equal("Olga Organizer", publicView["organizer"]!["name"]!.GetValue<string>());
        Assert.Equal("Europe/Berlin", publicView["organizer"]!["timeZone"]!.GetValue<string>());

        var put = await organizer.Client.PutAsJsonAsync($"/api/event-types/{id}",
            new { title = "Long consultation", description = "", durationMinutes = 90, location = "Room 5" });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(90, (await put.Json())["durationMinutes"]!.GetValue<int>());

        Assert.Equal(HttpStatusCode.NoContent, (await organizer.Client.DeleteAsync($"/api/event-types/{id}")).StatusCode);
        await (await Anonymous.GetAsync($"/api/event-types/{id}")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        await (await organizer.Client.DeleteAsync($"/api/event-types/{id}")).AssertProblem(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task An_organizers_public_page_lists_only_the_active_event_types_they_chose_to_show()
    {
        var (organizer, unlisted) = await Anonymous.OrganizerWithEventType(fixture.App);
        // Nothing listed yet: no page (an event type's own link stays the only way to it).
        await (await Anonymous.GetAsync($"/api/organizers/{organizer.Id}")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        var hidden = await (await organizer.Client.PostAsJsonAsync("/api/event-types",
            new { title = "Internal", description = "", durationMinutes = 15, location = "", active = false, listed = true })).Json();
        var shown = await (await organizer.Client.PostAsJsonAsync("/api/event-types",
            new { title = "Deep dive", description = "Two hours", durationMinutes = 120, location = "Office", requiresConfirmation = true, listed = true })).Json();
        Assert.True(shown["listed"]!.GetValue<bool>());
        Assert.False((await (await organizer.Client.GetAsync($"/api/event-types/{unlisted}")).Json())["listed"]!.GetValue<bool>());

        var page = await (await Anonymous.GetAsync($"/api/organizers/{organizer.Id}")).Json();
        Assert.Equal("Olga Organizer", page["organizer"]!["name"]!.GetValue<string>());
        Assert.Equal("Europe/Berlin", page["organizer"]!["timeZone"]!.GetValue<string>());
        var offered = Assert.Single(page["eventTypes"]!.AsArray())!;
        Assert.Equal(shown["id"]!.GetValue<Guid>(), offered["id"]!.GetValue<Guid>());
        Assert.True(offered["requiresConfirmation"]!.GetValue<bool>());
        // Settings that are the organizer's business (limits, reminders) are not on the public page.
        Assert.Null(offered["maxBookingsPerDay"]);
        Assert.NotEqual(hidden["id"]!.GetValue<Guid>(), offered["id"]!.GetValue<Guid>());

        // Nobody else has a page: an unknown id, an account that offers nothing, a booker who only booked.
        await (await Anonymous.GetAsync($"/api/organizers/{Guid.NewGuid()}")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        var idle = await Anonymous.SignUpAndSignIn(fixture.App);
        await (await Anonymous.GetAsync($"/api/organizers/{idle.Id}")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        var booking = await (await Anonymous.Book(unlisted, At(FutureMonday, "09:00"))).Json();
        var booker = await (await organizer.Client.GetAsync($"/api/bookings/{booking["id"]}")).Json();
        await (await Anonymous.GetAsync($"/api/organizers/{booker["userId"]}")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        // Taking the listed one off the page (a replace without "listed") takes the page down.
        Assert.Equal(HttpStatusCode.OK, (await organizer.Client.PutAsJsonAsync($"/api/event-types/{shown["id"]}",
            new { title = "Deep dive", description = "Two hours", durationMinutes = 120, location = "Office" })).StatusCode);
        await (await Anonymous.GetAsync($"/api/organizers/{organizer.Id}")).AssertProblem(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Someone_elses_event_type_is_not_found_for_changes_exactly_like_an_unknown_id()
    {
        var (_, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App);
        var other = await Anonymous.SignUpAndSignIn(fixture.App);

        var put = await other.Client.PutAsJsonAsync($"/api/event-types/{eventTypeId}", new { title = "Mine now", durationMinutes = 30 });
        var unknownPut = await other.Client.PutAsJsonAsync($"/api/event-types/{Guid.NewGuid()}", new { title = "Mine now", durationMinutes = 30 });
        await put.AssertProblem(HttpStatusCode.NotFound, "not-found");
        await unknownPut.AssertProblem(HttpStatusCode.NotFound, "not-found");
        await (await other.Client.DeleteAsync($"/api/event-types/{eventTypeId}")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        Assert.DoesNotContain(await (await other.Client.GetAsync("/api/event-types")).JsonArray(), e => e!["id"]!.GetValue<Guid>() == eventTypeId);
        Assert.Equal(HttpStatusCode.OK, (await Anonymous.GetAsync($"/api/event-types/{eventTypeId}")).StatusCode);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1441)]
    public async Task Event_types_need_a_sane_duration(int minutes)
    {
        var organizer = await Anonymous.SignUpAndSignIn(fixture.App);
        var response = await organizer.Client.PostAsJsonAsync("/api/event-types", new { title = "X", durationMinutes = minutes });
        var problem = await response.AssertProblem(HttpStatusCode.BadRequest, "validation");
        Assert.NotNull(problem["errors"]!["durationMinutes"]);
    }

    [Fact]
    public async Task Creating_an_event_type_needs_a_signed_in_organizer()
    {
        var response = await Anonymous.PostAsJsonAsync("/api/event-types", new { title = "X", durationMinutes = 30 });
        await response.AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Availability_is_replaced_added_to_and_removed_from()
    {
        var organizer = await Anonymous.SignUpAndSignIn(fixture.App);
        var put = await organizer.Client.PutAsJsonAsync("/api/availability", new[]
        {
            new { dayOfWeek = "Tuesday", startTime = "13:00", endTime = "24:00" },
            new { dayOfWeek = "Monday", startTime = "09:00", endTime = "12:00" },
        });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var rules = await put.JsonArray();
        Assert.Equal(["Monday", "Tuesday"], rules.Select(r => r!["dayOfWeek"]!.GetValue<string>()));
        Assert.Equal("24:00", rules[1]!["endTime"]!.GetValue<string>());

        var added = await organizer.Client.PostAsJsonAsync("/api/availability", new { dayOfWeek = "Friday", startTime = "08:30", endTime = "10:00" });
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var addedId = (await added.Json())["id"]!.GetValue<Guid>();
        var all = await (await organizer.Client.GetAsync("/api/availability")).JsonArray();
        Assert.Equal(3, all.Count);
        Assert.All(all, r => Assert.NotNull(r!["createdAt"]));

        Assert.Equal(HttpStatusCode.NoContent, (await organizer.Client.DeleteAsync($"/api/availability/{addedId}")).StatusCode);
        await (await organizer.Client.DeleteAsync($"/api/availability/{addedId}")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        Assert.Equal(2, (await (await organizer.Client.GetAsync("/api/availability")).JsonArray()).Count);
    }

    [Theory]
    [InlineData("Monday", "10:00", "10:00")]
    [InlineData("Monday", "17:00", "09:00")]
    [InlineData("Funday", "09:00", "17:00")]
    [InlineData("Monday", "9am", "17:00")]
    [InlineData("Monday", "24:00", "24:00")]
    [InlineData("Monday", "09:00", "24:30")]
    public async Task Invalid_availability_rules_are_rejected(string day, string start, string end)
    {
        var organizer = await Anonymous.SignUpAndSignIn(fixture.App);
        var response = await organizer.Client.PutAsJsonAsync("/api/availability", new[] { new { dayOfWeek = day, startTime = start, endTime = end } });
        await response.AssertProblem(HttpStatusCode.BadRequest, "validation");
        Assert.Empty(await (await organizer.Client.GetAsync("/api/availability")).JsonArray());
    }

    [Fact]
    public async Task Slots_are_listed_in_the_organizers_zone_by_default_with_offsets()
    {
        var (_, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App, durationMinutes: 60);
        var response = await Anonymous.GetAsync($"/api/event-types/{eventTypeId}/slots?from={FutureMonday:yyyy-MM-dd}&to={FutureMonday:yyyy-MM-dd}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Json();
        Assert.Equal("Europe/Berlin", body["timeZone"]!.GetValue<string>());
        Assert.Equal(eventTypeId, body["eventTypeId"]!.GetValue<Guid>());
        var starts = body["slots"]!.AsArray().Select(s => s!["start"]!.GetValue<string>()).ToList();
        Assert.Equal(8, starts.Count);
        Assert.Equal(At(FutureMonday, "09:00"), starts[0]);
        Assert.Equal(At(FutureMonday, "16:00"), starts[^1]);
        Assert.Equal(At(FutureMonday, "10:00"), body["slots"]![0]!["end"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_viewer_in_another_zone_sees_the_slots_that_start_on_their_dates()
    {
        var (_, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App, durationMinutes: 60);
        // Berlin 09:00–17:00 is 13:30–21:30 in Kolkata (+05:30).
        var body = await (await Anonymous.GetAsync($"/api/event-types/{eventTypeId}/slots?from={FutureMonday:yyyy-MM-dd}&to={FutureMonday:yyyy-MM-dd}&timeZone=Asia/Kolkata")).Json();
        Assert.Equal("Asia/Kolkata", body["timeZone"]!.GetValue<string>());
        var starts = body["slots"]!.AsArray().Select(s => s!["start"]!.GetValue<string>()).ToList();
        Assert.Equal(At(FutureMonday, "13:30", "+05:30"), starts[0]);
        Assert.Equal(8, starts.Count);

        // In Auckland (+13:00) the Berlin Monday slots start on Monday evening and Tuesday morning.
        var auckland = await (await Anonymous.GetAsync($"/api/event-types/{eventTypeId}/slots?from={FutureMonday:yyyy-MM-dd}&to={FutureMonday:yyyy-MM-dd}&timeZone=Pacific/Auckland")).Json();
        var aucklandStarts = auckland["slots"]!.AsArray().Select(s => s!["start"]!.GetValue<string>()).ToList();
        Assert.Equal([At(FutureMonday, "21:00", "+13:00"), At(FutureMonday, "22:00", "+13:00"), At(FutureMonday, "23:00", "+13:00")], aucklandStarts);
    }

    [Theory]
    [InlineData("from=2031-03-10&to=2031-03-09")]
    [InlineData("from=2031-03-01&to=2031-05-02")]
    [InlineData("to=2031-03-09")]
    [InlineData("from=2031-03-01")]
    [InlineData("from=03/01/2031&to=2031-03-09")]
    [InlineData("from=2031-03-01&to=2031-03-09&timeZone=Nowhere/Land")]
    [InlineData("from=9999-12-30&to=9999-12-31")]
    [InlineData("from=0001-01-01&to=0001-01-02")]
    public async Task Bad_slot_queries_are_rejected(string query)
    {
        var (_, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App);
        var response = await Anonymous.GetAsync($"/api/event-types/{eventTypeId}/slots?{query}");
        await response.AssertProblem(HttpStatusCode.BadRequest, "validation");
    }

    [Fact]
    public async Task Sixty_two_dates_are_allowed()
    {
        var (_, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App);
        var response = await Anonymous.GetAsync($"/api/event-types/{eventTypeId}/slots?from=2031-03-01&to=2031-05-01");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Slots_of_an_unknown_event_type_are_not_found()
    {
        var response = await Anonymous.GetAsync($"/api/event-types/{Guid.NewGuid()}/slots?from=2031-03-01&to=2031-03-02");
        await response.AssertProblem(HttpStatusCode.NotFound, "not-found");
    }
}
