using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
using static Scheduler.TestSupport.Requests;

namespace Scheduler.BrowserTests;

/// <summary>
/// A forgotten password, the way a user gets through it: "Forgot your password?" on the dashboard's
/// sign-in, the link in the mail, the reset page, then signing in with the new password. Every device
/// signed in before is signed out; the browser that reset the password is remembered by the account.
/// </summary>
[Collection(SchedulerSystemCollection.Name)]
public sealed class PasswordResetPageTests(SchedulerSystem system)
{
    [Fact]
    public async Task A_forgotten_password_is_replaced_through_the_mailed_link_and_old_sessions_end()
    {
        var organizer = await system.NewOrganizer("Pat Forgetful");
        await using var context = await system.NewContext();
        var page = await context.NewPageAsync();

        await page.GotoAsync("/dashboard");
        // Without an address the button says what it needs.
        await page.ClickAsync("#forgot-password");
        await Expect(page.Locator("#sign-in-error")).ToContainTextAsync("email address");
        await page.FillAsync("#sign-in-email", organizer.Email);
        await page.ClickAsync("#forgot-password");
        await Expect(page.Locator("#forgot-message")).ToContainTextAsync($"If {organizer.Email} has an account");

        var mail = (await system.Mail.WaitForMailsTo(organizer.Email, 2)).Single(m => m.ResetToken is not null);
        Assert.Equal("Reset your Scheduler password", mail.Subject);
        // Not greeted by name: whoever signed up with an address chose the name, and may not own it.
        Assert.DoesNotContain("Pat Forgetful", mail.Text);
        var link = new Uri(mail.Text.Split(default(char[]), StringSplitOptions.RemoveEmptyEntries).Single(w => w.Contains("/reset-password#token=", StringComparison.Ordinal)));
        Assert.Equal(system.BaseAddress.Authority, link.Authority);

        await page.GotoAsync(link.PathAndQuery + link.Fragment);
        // The secret leaves the address bar (and the history) once the page has read it.
        await Expect(page).ToHaveURLAsync(new Uri(system.BaseAddress, "/reset-password").ToString());
        await page.FillAsync("#reset-password", "a brand new password");
        await page.FillAsync("#reset-confirm", "a brand new passwort");
        await page.ClickAsync("#reset-submit");
        await Expect(page.Locator("[data-error-for=password]")).ToHaveTextAsync("The two passwords differ.");
        // The server's own checks show at the field too.
        await page.FillAsync("#reset-password", "password");
        await page.FillAsync("#reset-confirm", "password");
        await page.ClickAsync("#reset-submit");
        await Expect(page.Locator("[data-error-for=password]")).Not.ToBeEmptyAsync();
        await Expect(page.Locator("#reset-password")).ToHaveAttributeAsync("aria-invalid", "true");
        await page.FillAsync("#reset-password", "a brand new password");
        await page.FillAsync("#reset-confirm", "a brand new password");
        await page.ClickAsync("#reset-submit");
        await Expect(page.Locator("#message")).ToContainTextAsync("Your password is changed");
        await Expect(page.Locator("#reset-form")).ToBeHiddenAsync();
        await system.Screenshot(page, "password-reset-done");
        // The browser that followed the link is known to the account from now on: strangers' failed
        // sign-ins cannot hold it up (an HttpOnly cookie that only the sign-in endpoint receives).
        var device = Assert.Single(await context.CookiesAsync(), c => c.Name.StartsWith("scheduler-device-", StringComparison.Ordinal));
        Assert.True(device.HttpOnly);
        Assert.Equal("/api/auth/token", device.Path);
        Assert.Equal(SameSiteAttribute.Strict, device.SameSite);
        Assert.False(await page.EvaluateAsync<bool>("() => document.cookie.includes('scheduler-device')"));

        // The token from before the reset is dead; the new password signs in on the dashboard.
        Assert.Equal(HttpStatusCode.Unauthorized, (await system.Http.SendAsync(Authorized(HttpMethod.Get, "/api/me", organizer.Token))).StatusCode);
        await page.GotoAsync("/dashboard");
        await page.FillAsync("#sign-in-email", organizer.Email);
        await page.FillAsync("#sign-in-password", organizer.Password);
        await page.ClickAsync("#sign-in-submit");
        await Expect(page.Locator("#sign-in-error")).ToHaveTextAsync("Wrong email or password.");
        await page.FillAsync("#sign-in-password", "a brand new password");
        await page.ClickAsync("#sign-in-submit");
        await Expect(page.Locator("#me")).ToHaveTextAsync("Pat Forgetful");

        // The link worked once.
        await page.GotoAsync(link.PathAndQuery + link.Fragment);
        await page.FillAsync("#reset-password", "yet another password");
        await page.FillAsync("#reset-confirm", "yet another password");
        await page.ClickAsync("#reset-submit");
        await Expect(page.Locator("#message")).ToContainTextAsync("not valid any more");
    }
    [Fact]
    public async Task The_verification_page_confirms_only_when_asked_and_tells_the_owner_who_did_not_sign_up_how_to_take_over()
    {
        // Someone signs up with an address; the mail reaches its owner, who did not.
        var email = $"owner-{Guid.NewGuid():N}@example.com";
        await SchedulerSystem.Expect(HttpStatusCode.Created, await system.Http.PostAsJsonAsync("/api/users",
            new { name = "Mallory", email, password = "mallorys password", timeZone = "UTC" }));
        var token = (await system.Http.PostAsJsonAsync("/api/auth/token", new { email, password = "mallorys password" }));
        var accessToken = (await SchedulerSystem.Expect(HttpStatusCode.OK, token))["accessToken"]!.GetValue<string>();
        var mail = (await system.Mail.WaitForMailsTo(email)).Single();
        Assert.Contains("Forgot your password?", mail.Text);

        await using var context = await system.NewContext();
        var page = await context.NewPageAsync();
        await page.GotoAsync($"/verify-email#token={mail.VerificationToken}");
        await Expect(page.Locator("#confirm")).ToBeVisibleAsync();
        await page.ClickAsync("#not-me");
        await Expect(page.Locator("#not-me-help")).ToContainTextAsync("Forgot your password?");
        await Expect(page.Locator("#confirm")).ToBeHiddenAsync();
        await system.Screenshot(page, "verify-not-me");
        // Opening the link confirmed nothing.
        var me = await system.Get("/api/me", accessToken);
        Assert.False(me["emailVerified"]!.GetValue<bool>());
    }
}
