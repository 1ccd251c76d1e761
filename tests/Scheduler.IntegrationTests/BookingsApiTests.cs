using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Scheduler.IntegrationTests.Infrastructure;
using static Scheduler.IntegrationTests.Infrastructure.Api;

namespace Scheduler.IntegrationTests;

public sealed class BookingsApiTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private HttpClient Anonymous => fixture.Anonymous;

    [Fact]
    public async Task Two_Idempotency_Keys_on_one_request_are_refused_and_book_nothing()
    {
        var (organizer, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App);
        var start = At(FutureMonday.AddDays(2), "15:00");
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/bookings")
        {
            Content = JsonContent.Create(new { eventTypeId, start, name = "Dee Dup", email = "dup@example.com" }),
        };
        request.Headers.Add("Idempotency-Key", ["key-a", "key-b"]);
        var problem = await (await Anonymous.SendAsync(request)).AssertProblem(HttpStatusCode.BadRequest, "validation");
        Assert.NotNull(problem["errors"]?["Idempotency-Key"]);
        Assert.Empty(await (await organizer.Client.GetAsync("/api/bookings")).JsonArray());
        Assert.Equal(HttpStatusCode.Created, (await Anonymous.Book(eventTypeId, start, "dup@example.com", "key-a")).StatusCode);
    }

    [Fact]
    public async Task An_anonymous_booking_is_confirmed_and_carries_everything_a_client_needs()
    {
        var (organizer, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App);
        var response = await Anonymous.Book(eventTypeId, At(FutureMonday, "10:30"), "bob@example.com");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var booking = await response.Json();
        var id = booking["id"]!.GetValue<Guid>();
        Assert.Equal($"/api/bookings/{id}", response.Headers.Location!.OriginalString);
        Assert.Equal("Confirmed", booking["status"]!.GetValue<string>());
        Assert.Equal(eventTypeId, booking["eventTypeId"]!.GetValue<Guid>());
        Assert.Equal(organizer.Id, booking["organizerId"]!.GetValue<Guid>());
        Assert.NotEqual(Guid.Empty, booking["eventId"]!.GetValue<Guid>());
        // An anonymous answer never names the user holding the address (it may be someone's account).
        Assert.Null(booking["userId"]);
        Assert.Equal("Bob Booker", booking["name"]!.GetValue<string>());
        Assert.Equal("bob@example.com", booking["email"]!.GetValue<string>());
        Assert.Equal(DateTimeOffset.Parse(At(FutureMonday, "10:30")), booking["start"]!.GetValue<DateTimeOffset>());
        Assert.Equal(DateTimeOffset.Parse(At(FutureMonday, "11:00")), booking["end"]!.GetValue<DateTimeOffset>());
        Assert.NotNull(booking["createdAt"]);
        Assert.NotNull(booking["updatedAt"]);
        // The documented format: base64url of the organizer's id and a 192-bit MAC of the booking id.
        var token = booking["manageToken"]!.GetValue<string>();
        Assert.Matches("^[A-Za-z0-9_-]{54}$", token);
        Assert.True(ManageTokenFormat.TryReadOrganizer(token, out var tokenOrganizer));
        Assert.Equal(organizer.Id, tokenOrganizer);
        // A MAC, not a constant or a counter: another booking of the same organizer gets a token of its own.
        var other = await (await Anonymous.Book(eventTypeId, At(FutureMonday, "11:30"))).Json();
        var otherToken = other["manageToken"]!.GetValue<string>();
        Assert.True(ManageTokenFormat.TryReadOrganizer(otherToken, out var otherOrganizer));
        Assert.Equal(organizer.Id, otherOrganizer);
        Assert.NotEqual(Mac(token), Mac(otherToken));

        // The token is shown once: reads do not repeat it.
        var read = await organizer.Client.GetAsync($"/api/bookings/{id}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Null((await read.Json())["manageToken"]);
    }

    private static byte[] TokenBytes(string token) =>
        Convert.FromBase64String(token.Replace('-', '+').Replace('_', '/') + "==");

    private static string Mac(string token) => Convert.ToHexString(TokenBytes(token)[16..]);

    /// <summary>The same token with one bit of its MAC flipped: well-formed, names the same organizer, wrong signature.</summary>
    private static string Tampered(string token)
    {
        var bytes = TokenBytes(token);
        bytes[^1] ^= 0x01;
        return ManageTokenFormat.Encode(new Guid(bytes[..16]), bytes[16..]);
    }

    [Fact]
    public async Task A_well_formed_manage_token_with_the_wrong_signature_neither_reads_nor_cancels_a_booking()
    {
        var (organizer, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App);
        var first = await (await Anonymous.Book(eventTypeId, At(FutureMonday, "09:00"))).Json();
        var second = await (await Anonymous.Book(eventTypeId, At(FutureMonday, "09:30"))).Json();
        var id = first["id"]!.GetValue<Guid>();
        var ownToken = first["manageToken"]!.GetValue<string>();
        var stranger = await Anonymous.SignUpAndSignIn(fixture.App);
        var wrongTokens = new Dictionary<string, string>
        {
            ["another booking's valid token"] = second["manageToken"]!.GetValue<string>(),
            ["the booking's token, tampered"] = Tampered(ownToken),
            ["a token forged in the organizer's name"] = ManageTokenFormat.Encode(organizer.Id, RandomNumberGenerator.GetBytes(ManageTokenFormat.MacLength)),
        };

        foreach (var (what, token) in wrongTokens)
        {
            Assert.True(ManageTokenFormat.TryReadOrganizer(token, out var named) && named == organizer.Id, $"{what} is well-formed and names the organizer");
            foreach (var client in new[] { Anonymous, stranger.Client })
            {
                var caller = client == Anonymous ? "anonymous" : "signed in";
                var read = await client.GetAsync($"/api/bookings/{id}?token={Uri.EscapeDataString(token)}");
                Assert.True(read.StatusCode == HttpStatusCode.NotFound, $"read with {what} ({caller}): {(int)read.StatusCode}");
                await read.AssertProblem(HttpStatusCode.NotFound, "not-found");
                var cancel = await client.PostAsJsonAsync($"/api/bookings/{id}/cancel?token={Uri.EscapeDataString(token)}", new { reason = "not mine" });
                Assert.True(cancel.StatusCode == HttpStatusCode.NotFound, $"cancel with {what} ({caller}): {(int)cancel.StatusCode}");
                await cancel.AssertProblem(HttpStatusCode.NotFound, "not-found");
            }
        }

        // Nothing happened to the booking, and its own token still opens it.
        var mine = await Anonymous.GetAsync($"/api/bookings/{id}?token={Uri.EscapeDataString(ownToken)}");
        Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
        Assert.Equal("Confirmed", (await mine.Json())["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_same_booker_email_is_the_same_user()
    {
        var (organizer, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App);
        var email = $"repeat-{Guid.NewGuid():N}@example.com";
        var first = await (await Anonymous.Book(eventTypeId, At(FutureMonday, "09:00"), email)).Json();
        var second = await (await Anonymous.Book(eventTypeId, At(FutureMonday, "09:30"), email.ToUpperInvariant())).Json();
        // The organizer sees who booked: one user.
        var seen = await Task.WhenAll(new[] { first, second }.Select(async b =>
            (await (await organizer.Client.GetAsync($"/api/bookings/{b["id"]}")).Json())["userId"]!.GetValue<Guid>()));
        Assert.Equal(seen[0], seen[1]);
    }

    [Fact]
    public async Task A_taken_slot_is_a_conflict_and_an_unoffered_start_is_outside_availability()
    {
        var (_, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App);
        Assert.Equal(HttpStatusCode.Created, (await Anonymous.Book(eventTypeId, At(FutureMonday, "14:00"))).StatusCode);

        await (await Anonymous.Book(eventTypeId, At(FutureMonday, "14:00"))).AssertProblem(HttpStatusCode.Conflict, "slot-unavailable");
        // Same instant written in another offset is the same slot.
        await (await Anonymous.Book(eventTypeId, $"{FutureMonday:yyyy-MM-dd}T13:00:00Z")).AssertProblem(HttpStatusCode.Conflict, "slot-unavailable");
        // Off the 30-minute grid, at night, on a Sunday, in the past: never offered.
        await (await Anonymous.Book(eventTypeId, At(FutureMonday, "14:10"))).AssertProblem((HttpStatusCode)422, "outside-availability");
        await (await Anonymous.Book(eventTypeId, At(FutureMonday, "22:00"))).AssertProblem((HttpStatusCode)422, "outside-availability");
        await (await Anonymous.Book(eventTypeId, At(FutureMonday.AddDays(-1), "10:00"))).AssertProblem((HttpStatusCode)422, "outside-availability");
        await (await Anonymous.Book(eventTypeId, "2020-03-02T10:00:00+01:00")).AssertProblem((HttpStatusCode)422, "outside-availability");
        // The end of the day's window: 16:30 fits, 16:45 would run past 17:00.
        Assert.Equal(HttpStatusCode.Created, (await Anonymous.Book(eventTypeId, At(FutureMonday, "16:30"))).StatusCode);
    }

    [Fact]
    public async Task Bookings_of_one_organizer_never_overlap_across_event_types()
    {
        var (organizer, thirty) = await Anonymous.OrganizerWithEventType(fixture.App);
        var hour = (await (await organizer.Client.PostAsJsonAsync("/api/event-types", new { title = "Hour", durationMinutes = 60 })).Json())["id"]!.GetValue<Guid>();

        Assert.Equal(HttpStatusCode.Created, (await Anonymous.Book(hour, At(FutureMonday, "10:00"))).StatusCode);
        await (await Anonymous.Book(thirty, At(FutureMonday, "10:30"))).AssertProblem(HttpStatusCode.Conflict, "slot-unavailable");
        Assert.Equal(HttpStatusCode.Created, (await Anonymous.Book(thirty, At(FutureMonday, "11:00"))).StatusCode);

        var slots = await (await Anonymous.GetAsync($"/api/event-types/{thirty}/slots?from={FutureMonday:yyyy-MM-dd}&to={FutureMonday:yyyy-MM-dd}")).Json();
        var starts = slots["slots"]!.AsArray().Select(s => s!["start"]!.GetValue<string>()).ToList();
        Assert.DoesNotContain(At(FutureMonday, "10:00"), starts);
        Assert.DoesNotContain(At(FutureMonday, "10:30"), starts);
        Assert.DoesNotContain(At(FutureMonday, "11:00"), starts);
        Assert.Contains(At(FutureMonday, "11:30"), starts);
    }

    [Theory]
    [InlineData("{\"eventTypeId\":\"nope\",\"start\":\"2031-03-03T10:00:00+01:00\",\"name\":\"B\",\"email\":\"b@example.com\"}", "eventTypeId")]
    [InlineData("{\"eventTypeId\":\"6a1f5ad4-5d43-4a6b-9f40-5a6f0b2e9d11\",\"start\":\"2031-03-03T10:00:00\",\"name\":\"B\",\"email\":\"b@example.com\"}", "start")]
    [InlineData("{\"eventTypeId\":\"6a1f5ad4-5d43-4a6b-9f40-5a6f0b2e9d11\",\"start\":\"tomorrow\",\"name\":\"B\",\"email\":\"b@example.com\"}", "start")]
    [InlineData("{\"eventTypeId\":\"6a1f5ad4-5d43-4a6b-9f40-5a6f0b2e9d11\",\"start\":\"9999-12-31T23:30:00+00:00\",\"name\":\"B\",\"email\":\"b@example.com\"}", "start")]
    [InlineData("{\"eventTypeId\":\"6a1f5ad4-5d43-4a6b-9f40-5a6f0b2e9d11\",\"start\":\"2031-03-03T10:00:00+01:00\",\"name\":\"\",\"email\":\"b@example.com\"}", "name")]
    [InlineData("{\"eventTypeId\":\"6a1f5ad4-5d43-4a6b-9f40-5a6f0b2e9d11\",\"start\":\"2031-03-03T10:00:00+01:00\",\"name\":\"B\",\"email\":\"b@\"}", "email")]
    public async Task Malformed_bookings_get_a_validation_problem(string json, string field)
    {
        var response = await Anonymous.PostAsync("/api/bookings", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        var problem = await response.AssertProblem(HttpStatusCode.BadRequest, "validation");
        Assert.NotNull(problem["errors"]![field]);
    }

    [Theory]
    [InlineData("[]", "application/json", 400, "validation")]
    [InlineData("null", "application/json", 400, "validation")]
    [InlineData("{\"eventTypeId\": 42}", "application/json", 400, "validation")]
    [InlineData("eventTypeId=1", "application/x-www-form-urlencoded", 415, "unsupported-media-type")]
    public async Task A_body_that_is_not_a_booking_object_is_a_client_error_never_a_server_error(string body, string mediaType, int status, string token)
    {
        var response = await Anonymous.PostAsync("/api/bookings", new StringContent(body, System.Text.Encoding.UTF8, mediaType));
        await response.AssertProblem((HttpStatusCode)status, token);
    }

    [Fact]
    public async Task Booking_an_unknown_event_type_is_not_found()
    {
        var response = await Anonymous.Book(Guid.NewGuid(), At(FutureMonday, "10:00"));
        await response.AssertProblem(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task An_idempotent_retry_returns_the_original_answer_and_a_different_body_is_refused()
    {
        var (_, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App);
        var key = Guid.NewGuid().ToString();
        var first = await Anonymous.Book(eventTypeId, At(FutureMonday, "15:00"), "idem@example.com", key);
        var retry = await Anonymous.Book(eventTypeId, At(FutureMonday, "15:00"), "idem@example.com", key);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        var original = await first.Json();
        var replayed = await retry.Json();
        Assert.Equal(original.ToJsonString(), replayed.ToJsonString());
        Assert.NotNull(replayed["manageToken"]);

        var different = await Anonymous.Book(eventTypeId, At(FutureMonday, "15:30"), "idem@example.com", key);
        await different.AssertProblem((HttpStatusCode)422, "idempotency-mismatch");

        // A stored 409 is replayed as a 409, even after the slot frees up.
        var conflictKey = Guid.NewGuid().ToString();
        await (await Anonymous.Book(eventTypeId, At(FutureMonday, "15:00"), "late@example.com", conflictKey)).AssertProblem(HttpStatusCode.Conflict, "slot-unavailable");
        var token = original["manageToken"]!.GetValue<string>();
        var id = original["id"]!.GetValue<Guid>();
        Assert.Equal(HttpStatusCode.OK, (await Anonymous.PostAsJsonAsync($"/api/bookings/{id}/cancel?token={token}", new { reason = "moved" })).StatusCode);
        await (await Anonymous.Book(eventTypeId, At(FutureMonday, "15:00"), "late@example.com", conflictKey)).AssertProblem(HttpStatusCode.Conflict, "slot-unavailable");
    }

    [Fact]
    public async Task A_booking_is_visible_to_its_organizer_booker_and_token_holder_only()
    {
        var (organizer, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App);
        var booker = await Anonymous.SignUpAndSignIn(fixture.App);
        var stranger = await Anonymous.SignUpAndSignIn(fixture.App);

        var created = await booker.Client.Book(eventTypeId, At(FutureMonday, "12:00"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var booking = await created.Json();
        var id = booking["id"]!.GetValue<Guid>();
        Assert.Equal(booker.Id, booking["userId"]!.GetValue<Guid>());
        var token = booking["manageToken"]!.GetValue<string>();

        Assert.Equal(HttpStatusCode.OK, (await organizer.Client.GetAsync($"/api/bookings/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await booker.Client.GetAsync($"/api/bookings/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Anonymous.GetAsync($"/api/bookings/{id}?token={token}")).StatusCode);

        await (await stranger.Client.GetAsync($"/api/bookings/{id}")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        await (await Anonymous.GetAsync($"/api/bookings/{id}")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        await (await Anonymous.GetAsync($"/api/bookings/{id}?token=not-a-token")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        await (await Anonymous.GetAsync($"/api/bookings/{Guid.NewGuid()}?token={token}")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        await (await stranger.Client.PostAsJsonAsync($"/api/bookings/{id}/cancel", new { reason = "mine" })).AssertProblem(HttpStatusCode.NotFound, "not-found");
        // Being signed in does not excuse a wrong manage token.
        var otherToken = (await (await Anonymous.Book(eventTypeId, At(FutureMonday, "12:30"))).Json())["manageToken"]!.GetValue<string>();
        await (await stranger.Client.GetAsync($"/api/bookings/{id}?token={otherToken}")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        await (await stranger.Client.PostAsJsonAsync($"/api/bookings/{id}/cancel?token={otherToken}", new { reason = "mine" })).AssertProblem(HttpStatusCode.NotFound, "not-found");
        await (await organizer.Client.GetAsync($"/api/bookings/{Guid.NewGuid()}")).AssertProblem(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Cancelling_frees_the_slot_and_cancelling_twice_changes_nothing()
    {
        var (organizer, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App);
        var booking = await (await Anonymous.Book(eventTypeId, At(FutureMonday, "11:30"))).Json();
        var id = booking["id"]!.GetValue<Guid>();
        var token = booking["manageToken"]!.GetValue<string>();

        var cancelled = await Anonymous.PostAsJsonAsync($"/api/bookings/{id}/cancel?token={token}", new { reason = "Something came up" });
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        var body = await cancelled.Json();
        Assert.Equal("Cancelled", body["status"]!.GetValue<string>());
        Assert.Equal("Something came up", body["cancellationReason"]!.GetValue<string>());
        Assert.Equal("booker", body["cancelledBy"]!.GetValue<string>());

        var again = await organizer.Client.PostAsJsonAsync($"/api/bookings/{id}/cancel", new { reason = "Organizer too" });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        // The same booking, unchanged (the organizer also sees which user booked it; the token holder does not).
        var organizerView = await again.Json();
        Assert.NotNull(organizerView["userId"]);
        organizerView.AsObject().Remove("userId");
        body.AsObject().Remove("userId");
        Assert.Equal(body.ToJsonString(), organizerView.ToJsonString());

        Assert.Equal(HttpStatusCode.Created, (await Anonymous.Book(eventTypeId, At(FutureMonday, "11:30"))).StatusCode);
    }

    [Fact]
    public async Task A_cancelled_slot_is_offered_and_bookable_again_after_the_calendar_has_looked_at_its_busy_times()
    {
        var (_, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App);
        var slot = At(FutureMonday, "10:00");
        var booking = await (await Anonymous.Book(eventTypeId, slot)).Json();
        var id = booking["id"]!.GetValue<Guid>();
        var token = booking["manageToken"]!.GetValue<string>();

        // Reading busy times (the slot list, a conflicting attempt) before the cancellation...
        Assert.DoesNotContain(slot, await SlotStarts(eventTypeId, FutureMonday));
        await (await Anonymous.Book(eventTypeId, slot)).AssertProblem(HttpStatusCode.Conflict, "slot-unavailable");
        var cancelled = await Anonymous.PostAsJsonAsync($"/api/bookings/{id}/cancel?token={Uri.EscapeDataString(token)}", new { reason = "moved" });
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);

        // ...must not leave the cancelled booking busy.
        Assert.Contains(slot, await SlotStarts(eventTypeId, FutureMonday));
        Assert.Equal(HttpStatusCode.Created, (await Anonymous.Book(eventTypeId, slot)).StatusCode);
        Assert.DoesNotContain(slot, await SlotStarts(eventTypeId, FutureMonday));
    }

    [Fact]
    public async Task A_slot_must_end_by_the_end_of_its_availability_window()
    {
        // 45 minutes from 09:00: starts 09:00, 09:45, ..., 15:45 end by 17:00; 16:30 is on the grid but would end at 17:15.
        var (_, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App, durationMinutes: 45);

        var starts = await SlotStarts(eventTypeId, FutureMonday);
        Assert.Equal(At(FutureMonday, "15:45"), starts[^1]);
        Assert.Equal(10, starts.Count);
        await (await Anonymous.Book(eventTypeId, At(FutureMonday, "16:30"))).AssertProblem((HttpStatusCode)422, "outside-availability");
        Assert.Equal(HttpStatusCode.Created, (await Anonymous.Book(eventTypeId, At(FutureMonday, "15:45"))).StatusCode);
    }

    private async Task<List<string>> SlotStarts(Guid eventTypeId, DateOnly date)
    {
        var response = await Anonymous.GetAsync($"/api/event-types/{eventTypeId}/slots?from={date:yyyy-MM-dd}&to={date:yyyy-MM-dd}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Json())["slots"]!.AsArray().Select(s => s!["start"]!.GetValue<string>()).ToList();
    }

    [Fact]
    public async Task The_organizer_lists_bookings_by_start_with_filters_and_paging()
    {
        var (organizer, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App);
        var tuesday = FutureMonday.AddDays(1);
        foreach (var time in new[] { "16:00", "09:00", "13:00" })
            Assert.Equal(HttpStatusCode.Created, (await Anonymous.Book(eventTypeId, At(FutureMonday, time))).StatusCode);
        var toCancel = await (await Anonymous.Book(eventTypeId, At(tuesday, "10:00"))).Json();
        await organizer.Client.PostAsJsonAsync($"/api/bookings/{toCancel["id"]}/cancel", new { reason = "no" });

        var all = await (await organizer.Client.GetAsync("/api/bookings")).JsonArray();
        Assert.Equal([At(FutureMonday, "09:00"), At(FutureMonday, "13:00"), At(FutureMonday, "16:00"), At(tuesday, "10:00")],
            all.Select(b => b!["start"]!.GetValue<DateTimeOffset>()).Select(d => d.ToOffset(TimeSpan.FromHours(1)).ToString("yyyy-MM-dd'T'HH:mm:sszzz")));

        var cancelledOnly = await (await organizer.Client.GetAsync("/api/bookings?status=Cancelled")).JsonArray();
        Assert.Single(cancelledOnly);
        var mondayOnly = await (await organizer.Client.GetAsync($"/api/bookings?from={FutureMonday:yyyy-MM-dd}&to={FutureMonday:yyyy-MM-dd}")).JsonArray();
        Assert.Equal(3, mondayOnly.Count);

        var page1 = await organizer.Client.GetAsync("/api/bookings?limit=2");
        Assert.Equal(2, (await page1.JsonArray()).Count);
        var next = page1.Headers.GetValues("Link").Single();
        Assert.EndsWith("; rel=\"next\"", next);
        var nextUrl = next[1..next.IndexOf('>')];
        var page2 = await organizer.Client.GetAsync(nextUrl);
        var page2Items = await page2.JsonArray();
        Assert.Equal(2, page2Items.Count);
        Assert.Equal(all[2]!["id"]!.GetValue<Guid>(), page2Items[0]!["id"]!.GetValue<Guid>());
        Assert.False(page2.Headers.Contains("Link"));

        await (await organizer.Client.GetAsync("/api/bookings?limit=1001")).AssertProblem(HttpStatusCode.BadRequest, "validation");
        await (await organizer.Client.GetAsync("/api/bookings?status=Maybe")).AssertProblem(HttpStatusCode.BadRequest, "validation");
        await (await organizer.Client.GetAsync("/api/bookings?status=Pending,Confirmed")).AssertProblem(HttpStatusCode.BadRequest, "validation");
        await (await organizer.Client.GetAsync("/api/bookings?status=Confirmed&status=Cancelled")).AssertProblem(HttpStatusCode.BadRequest, "validation");
        Assert.Single(await (await organizer.Client.GetAsync("/api/bookings?status=cancelled")).JsonArray());
        await (await Anonymous.GetAsync("/api/bookings")).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }
}
