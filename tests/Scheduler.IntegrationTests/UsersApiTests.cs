using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Scheduler.IntegrationTests.Infrastructure;
using static Scheduler.IntegrationTests.Infrastructure.Api;

namespace Scheduler.IntegrationTests;

public sealed class UsersApiTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private HttpClient Anonymous => fixture.Anonymous;

    [Fact]
    public async Task Sign_up_returns_the_user_and_never_the_password()
    {
        var email = $"ann-{Guid.NewGuid():N}@example.com";
        var response = await Anonymous.PostAsJsonAsync("/api/users", new { name = "Ann", email, password = "s3cret-enough", timeZone = "Asia/Kolkata" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        var user = await response.Json();
        Assert.True(Guid.TryParse(user["id"]!.GetValue<string>(), out _));
        Assert.Equal("Ann", user["name"]!.GetValue<string>());
        Assert.Equal(email, user["email"]!.GetValue<string>());
        Assert.Equal("Asia/Kolkata", user["timeZone"]!.GetValue<string>());
        Assert.NotNull(user["createdAt"]);
        Assert.NotNull(user["updatedAt"]);
        Assert.DoesNotContain("s3cret-enough", body);
        Assert.DoesNotContain("password", body, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task An_email_can_sign_up_once_whatever_its_case()
    {
        var email = $"Case-{Guid.NewGuid():N}@Example.com";
        var first = await Anonymous.PostAsJsonAsync("/api/users", new { name = "A", email, password = "password-1", timeZone = "UTC" });
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);

        var second = await Anonymous.PostAsJsonAsync("/api/users", new { name = "B", email = email.ToUpperInvariant(), password = "password-2", timeZone = "UTC" });
        await second.AssertProblem(HttpStatusCode.Conflict, "email-taken");
    }

    [Theory]
    [InlineData("not-an-email", "long-enough", "UTC", "email")]
    [InlineData("a@b", "long-enough", "UTC", "email")]
    [InlineData("a@-b.com", "long-enough", "UTC", "email")]
    [InlineData("a@b-.com", "long-enough", "UTC", "email")]
    [InlineData("a@b..com", "long-enough", "UTC", "email")]
    [InlineData("a@192.168.0.1", "long-enough", "UTC", "email")]
    [InlineData("a@[192.168.0.1]", "long-enough", "UTC", "email")]
    [InlineData("a@b_c.com", "long-enough", "UTC", "email")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.com", "long-enough", "UTC", "email")]
    [InlineData("ok@example.com", "short", "UTC", "password")]
    [InlineData("ok@example.com", "long-enough", "Mars/Olympus_Mons", "timeZone")]
    [InlineData("ok@example.com", "long-enough", "", "timeZone")]
    public async Task Bad_sign_ups_get_a_validation_problem_naming_the_field(string email, string password, string timeZone, string field)
    {
        var response = await Anonymous.PostAsJsonAsync("/api/users", new { name = "X", email, password, timeZone });
        var problem = await response.AssertProblem(HttpStatusCode.BadRequest, "validation");
        Assert.NotNull(problem["errors"]![field]);
    }

    [Theory]
    [InlineData("ok-{0}@mail.example.co.uk")]
    [InlineData("ok-{0}@bücher.example")]
    [InlineData("ok.{0}+tag@xn--bcher-kva.example")]
    [InlineData("ok-{0}@उदाहरण.भारत")]
    public async Task Addresses_at_real_domain_names_sign_up(string template)
    {
        var email = string.Format(System.Globalization.CultureInfo.InvariantCulture, template, Guid.NewGuid().ToString("N")[..12]);
        var response = await Anonymous.PostAsJsonAsync("/api/users", new { name = "X", email, password = "long-enough", timeZone = "UTC" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task A_look_alike_of_an_address_cannot_take_its_user_but_real_capitals_are_one_address()
    {
        // The Kelvin sign (U+212A) lower-cases to "k": "\u212Aate@…" would be kate@…'s user, mailed elsewhere.
        var local = $"kate-{Guid.NewGuid():N}"[..16];
        var lookalike = "\u212A" + local[1..] + "@example.com";
        var signUp = await Anonymous.PostAsJsonAsync("/api/users", new { name = "X", email = lookalike, password = "long-enough", timeZone = "UTC" });
        Assert.NotNull((await signUp.AssertProblem(HttpStatusCode.BadRequest, "validation"))["errors"]!["email"]);
        var (_, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App);
        var booked = await Anonymous.Book(eventTypeId, At(FutureMonday, "09:00"), lookalike);
        Assert.NotNull((await booked.AssertProblem(HttpStatusCode.BadRequest, "validation"))["errors"]!["email"]);
        // The real address is free for its owner.
        Assert.Equal(HttpStatusCode.Created, (await Anonymous.PostAsJsonAsync("/api/users",
            new { name = "Kate", email = local + "@example.com", password = "long-enough", timeZone = "UTC" })).StatusCode);

        // Ordinary non-ASCII capitals are the same address as their lower case: one user.
        var unicode = $"ünal-{Guid.NewGuid():N}"[..14] + "@example.com";
        Assert.Equal(HttpStatusCode.Created, (await Anonymous.PostAsJsonAsync("/api/users",
            new { name = "Ünal", email = unicode, password = "long-enough", timeZone = "UTC" })).StatusCode);
        await (await Anonymous.PostAsJsonAsync("/api/users",
            new { name = "Ünal", email = "Ü" + unicode[1..], password = "long-enough", timeZone = "UTC" })).AssertProblem(HttpStatusCode.Conflict, "email-taken");
    }

    [Fact]
    public async Task An_account_whose_address_the_new_rule_would_refuse_still_signs_in_and_asks_for_a_reset()
    {
        var account = await Anonymous.SignUpAndSignIn(fixture.App, "UTC");
        var legacy = $"legacy-{Guid.NewGuid():N}@localhost";
        await using (var connection = new Npgsql.NpgsqlConnection(fixture.App.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand("update users set email = $1, email_normalized = $1 where id = $2", connection);
            command.Parameters.Add(new() { Value = legacy });
            command.Parameters.Add(new() { Value = account.Id });
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }
        Assert.NotNull(await Anonymous.TokenFor(legacy, "correct horse"));
        Assert.Equal(HttpStatusCode.Accepted, (await Anonymous.PostAsJsonAsync("/api/auth/forgot-password", new { email = legacy })).StatusCode);
        await (await Anonymous.PostAsJsonAsync("/api/users", new { name = "New", email = $"new-{Guid.NewGuid():N}@localhost", password = "long-enough", timeZone = "UTC" }))
            .AssertProblem(HttpStatusCode.BadRequest, "validation");
    }

    [Fact]
    public async Task Malformed_json_is_a_validation_problem_not_a_server_error()
    {
        var response = await Anonymous.PostAsync("/api/users", new StringContent("{\"name\": ", System.Text.Encoding.UTF8, "application/json"));
        await response.AssertProblem(HttpStatusCode.BadRequest, "validation");
    }

    [Fact]
    public async Task A_token_is_issued_for_the_right_password_only_and_opens_api_me()
    {
        var email = $"tok-{Guid.NewGuid():N}@example.com";
        await Anonymous.PostAsJsonAsync("/api/users", new { name = "Tom", email, password = "right-password", timeZone = "Europe/Berlin" });

        var wrong = await Anonymous.PostAsJsonAsync("/api/auth/token", new { email, password = "wrong-password" });
        await wrong.AssertProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
        var unknown = await Anonymous.PostAsJsonAsync("/api/auth/token", new { email = "nobody-" + email, password = "right-password" });
        await unknown.AssertProblem(HttpStatusCode.Unauthorized, "invalid-credentials");

        var ok = await Anonymous.PostAsJsonAsync("/api/auth/token", new { email = email.ToUpperInvariant(), password = "right-password" });
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var token = await ok.Json();
        Assert.Equal("Bearer", token["tokenType"]!.GetValue<string>());
        Assert.True(token["expiresIn"]!.GetValue<int>() > 0);

        var me = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        me.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token["accessToken"]!.GetValue<string>());
        var profile = await (await Anonymous.SendAsync(me)).Json();
        Assert.Equal(email, profile["email"]!.GetValue<string>());
        Assert.Equal("Tom", profile["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Api_me_without_a_valid_token_is_unauthorized()
    {
        await (await Anonymous.GetAsync("/api/me")).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
        var forged = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        forged.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl");
        await (await Anonymous.SendAsync(forged)).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Health_is_ok_once_the_cluster_is_reachable()
    {
        var response = await Anonymous.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", (await response.Json())["status"]!.GetValue<string>());
    }
}
