using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
using static Scheduler.TestSupport.Requests;

namespace Scheduler.BrowserTests;

/// <summary>
/// An organizer's account from the dashboard alone: signing up (in the browser's zone), confirming the
/// address from the mail, renaming and moving zone, changing the password without losing the session,
/// and signing out everywhere.
/// </summary>
[Collection(SchedulerSystemCollection.Name)]
public sealed class AccountPageTests(SchedulerSystem system)
{
    private const string TokenScript = "() => sessionStorage.getItem('scheduler.accessToken')";

    [Fact]
    public async Task A_new_organizer_signs_up_confirms_the_address_and_manages_the_account_on_the_dashboard()
    {
        await using var context = await system.NewContext("Europe/Lisbon");
        var page = await context.NewPageAsync();
        await page.GotoAsync("/dashboard");
        await page.ClickAsync("#show-sign-up");
        await Expect(page.Locator("#sign-up-zone")).ToHaveValueAsync("Europe/Lisbon");
        var email = $"nina-{Guid.NewGuid():N}@example.com";
        await page.FillAsync("#sign-up-name", "Nina New");
        await page.FillAsync("#sign-up-email", email);
        // The server's own checks show at the field (a password everyone tries first).
        await page.FillAsync("#sign-up-password", "password");
        await page.ClickAsync("#sign-up-submit");
        await Expect(page.Locator("#sign-up-form [data-error-for=password]")).Not.ToBeEmptyAsync();
        await page.FillAsync("#sign-up-password", "a sturdy passphrase");
        await page.ClickAsync("#sign-up-submit");

        await Expect(page.Locator("#me")).ToHaveTextAsync("Nina New");
        await Expect(page.Locator("#live")).ToHaveAttributeAsync("data-state", "connected");
        await Expect(page.Locator("#availability-zone")).ToContainTextAsync("Europe/Lisbon");
        await Expect(page.Locator("#verify-text")).ToContainTextAsync(email);
        // The sign-up just mailed a link: asking again at once is refused, and the page says why.
        await page.ClickAsync("#resend-verification");
        await Expect(page.Locator("#verify-text")).ToContainTextAsync("less than a minute ago");

        var mail = (await system.Mail.WaitForMailsTo(email)).Single();
        var verify = await context.NewPageAsync();
        await verify.GotoAsync($"/verify-email#token={mail.VerificationToken}");
        await verify.ClickAsync("#confirm");
        await Expect(verify.Locator("#message")).ToContainTextAsync("is confirmed");
        await page.ReloadAsync();
        await Expect(page.Locator("#me")).ToHaveTextAsync("Nina New");
        await Expect(page.Locator("#verify-banner")).ToBeHiddenAsync();

        // The same address cannot sign up twice; the page says what to do instead.
        var other = await context.NewPageAsync();
        await other.GotoAsync("/dashboard");
        await other.EvaluateAsync("() => sessionStorage.clear()");
        await other.ReloadAsync();
        await other.ClickAsync("#show-sign-up");
        await other.FillAsync("#sign-up-name", "Someone Else");
        await other.FillAsync("#sign-up-email", email.ToUpperInvariant());
        await other.FillAsync("#sign-up-password", "another sturdy passphrase");
        await other.ClickAsync("#sign-up-submit");
        await Expect(other.Locator("#sign-up-error")).ToContainTextAsync("has an account already");
        await other.CloseAsync();

        // Name and zone.
        await page.FillAsync("#profile-name", "Nina Renamed");
        await page.SelectOptionAsync("#profile-zone", "Asia/Tokyo");
        await page.ClickAsync("#profile-save");
        await Expect(page.Locator("#profile-message")).ToHaveTextAsync("Profile saved.");
        await Expect(page.Locator("#me")).ToHaveTextAsync("Nina Renamed");
        await Expect(page.Locator("#availability-zone")).ToContainTextAsync("Asia/Tokyo");
        var before = await page.EvaluateAsync<string>(TokenScript);
        var me = await system.Get("/api/me", before);
        Assert.Equal("Asia/Tokyo", me["timeZone"]!.GetValue<string>());
        Assert.Equal("Nina Renamed", me["name"]!.GetValue<string>());

        // The password: the wrong current one is refused at its field; the right one changes it and
        // the page stays signed in with a new token (the old one, like every other device's, is dead).
        await page.FillAsync("#current-password", "not my password");
        await page.FillAsync("#new-password", "an even sturdier passphrase");
        await page.ClickAsync("#password-save");
        await Expect(page.Locator("#password-form [data-error-for=currentPassword]")).Not.ToBeEmptyAsync();
        await page.FillAsync("#current-password", "a sturdy passphrase");
        await page.FillAsync("#new-password", "an even sturdier passphrase");
        // A double click changes it once and leaves the page signed in.
        await page.DblClickAsync("#password-save");
        await Expect(page.Locator("#password-message")).ToContainTextAsync("Password changed");
        await Expect(page.Locator("#live")).ToHaveAttributeAsync("data-state", "connected");
        var after = await page.EvaluateAsync<string>(TokenScript);
        Assert.NotEqual(before, after);
        Assert.Equal(HttpStatusCode.Unauthorized, (await system.Http.SendAsync(Authorized(HttpMethod.Get, "/api/me", before))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await system.Http.SendAsync(Authorized(HttpMethod.Get, "/api/me", after))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized,
            (await system.Http.PostAsJsonAsync("/api/auth/token", new { email, password = "a sturdy passphrase" })).StatusCode);
        var elsewhere = await SchedulerSystem.Expect(HttpStatusCode.OK,
            await system.Http.PostAsJsonAsync("/api/auth/token", new { email, password = "an even sturdier passphrase" }));
        await system.Screenshot(page, "dashboard-account");

        // Signing out everywhere ends this page's session and the other device's.
        await page.ClickAsync("#sign-out-everywhere");
        await Expect(page.Locator("#sign-in")).ToBeVisibleAsync();
        // Nothing of the account stays on the page for whoever signs in next.
        await Expect(page.Locator("#profile-name")).ToHaveValueAsync("");
        await Expect(page.Locator("#password-message")).ToBeEmptyAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await system.Http.SendAsync(Authorized(HttpMethod.Get, "/api/me", after))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized,
            (await system.Http.SendAsync(Authorized(HttpMethod.Get, "/api/me", elsewhere["accessToken"]!.GetValue<string>()))).StatusCode);
    }
}
