using System.Net;
using System.Net.Http.Json;
using Scheduler.IntegrationTests.Infrastructure;
using Scheduler.TestSupport;
using static Scheduler.IntegrationTests.Infrastructure.Api;

namespace Scheduler.IntegrationTests;

/// <summary>Issue 10, finding 5: tokens that can end.</summary>
public sealed class TokenTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private HttpClient Anonymous => fixture.Anonymous;

    private async Task<HttpStatusCode> Me(string token) =>
        (await Anonymous.SendAsync(Requests.Authorized(HttpMethod.Get, "/api/me", token))).StatusCode;

    [Fact]
    public async Task Tokens_live_an_hour_by_default()
    {
        var user = await Anonymous.SignUpAndSignIn(fixture.App, verify: false);
        var response = await Anonymous.PostAsJsonAsync("/api/auth/token", new { email = user.Email, password = "correct horse" });
        Assert.Equal(3600, (await response.Json())["expiresIn"]!.GetValue<int>());
    }

    [Fact]
    public async Task Revoking_a_token_ends_that_token_only()
    {
        var user = await Anonymous.SignUpAndSignIn(fixture.App, verify: false);
        var other = await Anonymous.TokenFor(user.Email, "correct horse");

        var revoked = await Anonymous.SendAsync(Requests.Authorized(HttpMethod.Post, "/api/auth/revoke", user.Token, new { }));
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        await (await Anonymous.SendAsync(Requests.Authorized(HttpMethod.Get, "/api/me", user.Token))).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal(HttpStatusCode.OK, await Me(other));
    }

    [Fact]
    public async Task Signing_out_everywhere_ends_every_earlier_token_and_a_new_sign_in_works()
    {
        var user = await Anonymous.SignUpAndSignIn(fixture.App, verify: false);
        var other = await Anonymous.TokenFor(user.Email, "correct horse");

        Assert.Equal(HttpStatusCode.NoContent, (await Anonymous.SendAsync(Requests.Authorized(HttpMethod.Post, "/api/auth/revoke", other, new { everywhere = true }))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await Me(user.Token));
        Assert.Equal(HttpStatusCode.Unauthorized, await Me(other));
        Assert.Equal(HttpStatusCode.OK, await Me(await Anonymous.TokenFor(user.Email, "correct horse")));
    }

    [Fact]
    public async Task A_password_change_ends_every_earlier_token()
    {
        var user = await Anonymous.SignUpAndSignIn(fixture.App, verify: false);
        var other = await Anonymous.TokenFor(user.Email, "correct horse");

        var changed = await user.Client.PatchAsJsonAsync("/api/me", new { password = "a brand new passphrase", currentPassword = "correct horse" });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await Me(user.Token));
        Assert.Equal(HttpStatusCode.Unauthorized, await Me(other));
        Assert.Equal(HttpStatusCode.OK, await Me(await Anonymous.TokenFor(user.Email, "a brand new passphrase")));
    }
}
