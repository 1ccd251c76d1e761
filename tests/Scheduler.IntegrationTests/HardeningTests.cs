using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Scheduler.IntegrationTests.Infrastructure;
using Scheduler.Web.Hosting;
using static Scheduler.IntegrationTests.Infrastructure.Api;

namespace Scheduler.IntegrationTests;

/// <summary>Issue 10, finding 2 (no 500 from any input) and the headers every answer carries (finding 7).</summary>
public sealed class HardeningTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private HttpClient Anonymous => fixture.Anonymous;

    /// <summary>A token signed with the deployment's real key, saying whatever <paramref name="subject"/> says.</summary>
    private string SignedToken(string subject)
    {
        fixture.App.CreateClient(); // the front end (and its key) exists
        var keys = fixture.App.WebServices.GetRequiredService<SigningKeys>();
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = AccessTokens.Issuer,
            Audience = AccessTokens.Audience,
            Subject = new ClaimsIdentity([
                new Claim(JwtRegisteredClaimNames.Sub, subject),
                new Claim(JwtRegisteredClaimNames.Jti, Guid.NewGuid().ToString()),
                new Claim(AccessTokens.IssuedAtMsClaim, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ]),
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(5),
            SigningCredentials = new SigningCredentials(keys.Key, SecurityAlgorithms.HmacSha256),
        });
    }

    [Theory]
    [InlineData("7d1f2a9e-8f35-4c3a-9a57-0b3f3bbd1e01")]
    [InlineData("admin")]
    [InlineData("")]
    [InlineData("00000000-0000-0000-0000-00000000000g")]
    public async Task A_well_signed_token_whose_subject_is_not_a_known_user_is_401(string subject)
    {
        var token = SignedToken(subject);
        foreach (var (method, path, body) in new (HttpMethod, string, object?)[]
        {
            (HttpMethod.Get, "/api/me", null),
            (HttpMethod.Post, "/api/event-types", new { title = "x", durationMinutes = 30 }),
            (HttpMethod.Get, "/api/bookings?role=booker", null),
            (HttpMethod.Get, "/api/notifications", null),
        })
        {
            var response = await Anonymous.SendAsync(Scheduler.TestSupport.Requests.Authorized(method, path, token, body));
            await response.AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
        }
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413_problem_json_and_changes_nothing()
    {
        var huge = new string('x', 2 * 1024 * 1024);
        var response = await Anonymous.PostAsync("/api/users", new StringContent(
            $$"""{"name":"A","email":"big-{{Guid.NewGuid():N}}@example.com","password":"{{huge}}","timeZone":"UTC"}""",
            System.Text.Encoding.UTF8, "application/json"));
        await response.AssertProblem(HttpStatusCode.RequestEntityTooLarge, "too-large");
    }

    [Theory]
    [InlineData("2031-03-03T10:00:00+15:00")]
    [InlineData("2031-03-03T10:00:00-18:00")]
    public async Task A_start_with_an_offset_beyond_14_hours_is_a_validation_problem(string start)
    {
        var (_, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App);
        var response = await Anonymous.Book(eventTypeId, start);
        var problem = await response.AssertProblem(HttpStatusCode.BadRequest, "validation");
        Assert.NotNull(problem["errors"]!["start"]);
    }

    [Theory]
    [InlineData("/dashboard")]
    [InlineData("/manage/7d1f2a9e-8f35-4c3a-9a57-0b3f3bbd1e01?token=x")]
    [InlineData("/api/bookings/7d1f2a9e-8f35-4c3a-9a57-0b3f3bbd1e01?token=x")]
    public async Task Answers_forbid_framing_sniffing_and_referrers(string path)
    {
        var response = await Anonymous.GetAsync(path);
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Theory]
    [InlineData("12345678")]
    [InlineData("Password1")]
    [InlineData("QWERTYUIOP")]
    [InlineData("        ")]
    [InlineData("\0\0\0\0\0\0\0\0")]
    [InlineData("\t\n \r\t\n \r\u0001")]
    public async Task Common_and_blank_passwords_are_refused_at_sign_up_and_on_change(string password)
    {
        var signUp = await Anonymous.PostAsJsonAsync("/api/users", new { name = "W", email = $"weak-{Guid.NewGuid():N}@example.com", password, timeZone = "UTC" });
        Assert.NotNull((await signUp.AssertProblem(HttpStatusCode.BadRequest, "validation"))["errors"]!["password"]);

        var user = await Anonymous.SignUpAndSignIn(fixture.App, verify: false);
        var change = await user.Client.PatchAsJsonAsync("/api/me", new { password, currentPassword = "correct horse" });
        Assert.NotNull((await change.AssertProblem(HttpStatusCode.BadRequest, "validation"))["errors"]!["password"]);
        Assert.Equal(HttpStatusCode.OK, (await Anonymous.PostAsJsonAsync("/api/auth/token", new { email = user.Email, password = "correct horse" })).StatusCode);
    }

    [Fact]
    public async Task Every_password_field_has_a_length_cap()
    {
        var longest = new string('p', 128);
        var tooLong = longest + "p";
        var email = $"cap-{Guid.NewGuid():N}@example.com";
        var refused = await Anonymous.PostAsJsonAsync("/api/users", new { name = "C", email, password = tooLong, timeZone = "UTC" });
        Assert.NotNull((await refused.AssertProblem(HttpStatusCode.BadRequest, "validation"))["errors"]!["password"]);
        Assert.Equal(HttpStatusCode.Created, (await Anonymous.PostAsJsonAsync("/api/users", new { name = "C", email, password = longest, timeZone = "UTC" })).StatusCode);

        // Sign-in refuses an over-long password before hashing anything.
        var token = await Anonymous.PostAsJsonAsync("/api/auth/token", new { email, password = new string('p', 100_000) });
        Assert.NotNull((await token.AssertProblem(HttpStatusCode.BadRequest, "validation"))["errors"]!["password"]);
        var client = fixture.App.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", await Anonymous.TokenFor(email, longest));
        var change = await client.PatchAsJsonAsync("/api/me", new { password = "a fine new passphrase", currentPassword = new string('p', 100_000) });
        Assert.NotNull((await change.AssertProblem(HttpStatusCode.BadRequest, "validation"))["errors"]!["currentPassword"]);
    }
    [Theory]
    [InlineData("text/html")]
    [InlineData("application/json")]
    [InlineData(null)]
    public async Task Errors_the_framework_makes_are_problems_too_whatever_the_client_accepts(string? accept)
    {
        HttpRequestMessage Request(HttpMethod method, string path)
        {
            var request = new HttpRequestMessage(method, path);
            if (accept is not null) request.Headers.Accept.ParseAdd(accept);
            return request;
        }

        await (await Anonymous.SendAsync(Request(HttpMethod.Get, "/api/no-such-route"))).AssertProblem(HttpStatusCode.NotFound, "not-found");
        await (await Anonymous.SendAsync(Request(HttpMethod.Get, "/openapi/v2.json"))).AssertProblem(HttpStatusCode.NotFound, "not-found");
        await (await Anonymous.SendAsync(Request(HttpMethod.Get, "/problems/no-such-type"))).AssertProblem(HttpStatusCode.NotFound, "not-found");
        var notAllowed = await Anonymous.SendAsync(Request(HttpMethod.Delete, "/api/users"));
        await notAllowed.AssertProblem(HttpStatusCode.MethodNotAllowed, "method-not-allowed");
        Assert.Contains("POST", notAllowed.Content.Headers.Allow);
        // A value that cannot be bound goes through the exception handler, which clears the response:
        // the answer still carries the headers every answer does.
        var wrongType = Request(HttpMethod.Post, "/api/bookings");
        wrongType.Content = new StringContent("""{"eventTypeId": 12, "start": true}""", System.Text.Encoding.UTF8, "application/json");
        var unbindable = await Anonymous.SendAsync(wrongType);
        await unbindable.AssertProblem(HttpStatusCode.BadRequest, "validation");
        Assert.Contains("nosniff", unbindable.Headers.GetValues("X-Content-Type-Options"));
        Assert.Contains("frame-ancestors 'none'", unbindable.Headers.GetValues("Content-Security-Policy").Single());
        // The static files' conditional and range answers: typed as what they are, not as a bug.
        var conditional = Request(HttpMethod.Get, "/dashboard");
        conditional.Headers.IfMatch.ParseAdd("\"not-this-version\"");
        await (await Anonymous.SendAsync(conditional)).AssertProblem(HttpStatusCode.PreconditionFailed, "precondition-failed");
        var ranged = Request(HttpMethod.Get, "/assets/app.css");
        ranged.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(99_999_999, null);
        await (await Anonymous.SendAsync(ranged)).AssertProblem(HttpStatusCode.RequestedRangeNotSatisfiable, "range-not-satisfiable");
        var challenged = await Anonymous.SendAsync(Request(HttpMethod.Get, "/api/me"));
        await challenged.AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal("Bearer", challenged.Headers.WwwAuthenticate.Single().Scheme);
    }
    [Fact]
    public async Task The_hubs_own_refusals_are_problems_too()
    {
        var user = await Anonymous.SignUpAndSignIn(fixture.App, "UTC");
        await (await user.Client.GetAsync("/hubs/notifications")).AssertProblem(HttpStatusCode.BadRequest, "validation");
        await (await user.Client.GetAsync("/hubs/notifications?id=not-a-connection")).AssertProblem(HttpStatusCode.BadRequest, "validation");
        var put = await user.Client.PutAsync("/hubs/notifications/negotiate", null);
        await put.AssertProblem(HttpStatusCode.MethodNotAllowed, "method-not-allowed");
        Assert.Contains("POST", put.Content.Headers.Allow);
        var delete = await user.Client.DeleteAsync("/hubs/notifications?id=not-a-connection");
        await delete.AssertProblem(HttpStatusCode.MethodNotAllowed, "method-not-allowed");
        Assert.Contains("GET", delete.Content.Headers.Allow);

        // What the hub serves still works: negotiation offers WebSockets, and only them.
        var negotiated = await user.Client.PostAsync("/hubs/notifications/negotiate?negotiateVersion=1", null);
        Assert.Equal(HttpStatusCode.OK, negotiated.StatusCode);
        var transports = (await negotiated.Json())["availableTransports"]!.AsArray().Select(t => t!["transport"]!.GetValue<string>());
        Assert.Equal(["WebSockets"], transports);
        // Anonymous callers are still told to sign in first.
        await (await Anonymous.GetAsync("/hubs/notifications")).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }
}
