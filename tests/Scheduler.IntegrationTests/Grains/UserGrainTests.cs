using System.Security.Cryptography;

namespace Scheduler.IntegrationTests.Grains;

/// <summary>
/// The user grain's password promises, straight through its interface on an in-process cluster over
/// the real PostgreSQL, in the order a race would interleave them: what was checked against the old
/// password cannot act after a reset replaced it.
/// </summary>
public sealed class UserGrainTests(CalendarCluster fixture) : IClassFixture<CalendarCluster>
{
    private async Task<IUserGrain> SignedUp(string passwordHash)
    {
        var email = $"user-{Guid.NewGuid():N}@example.com";
        var signUp = await fixture.Client.GetGrain<IEmailGrain>(GrainKeys.Email(email))
            .SignUp(new SignUpRequest("Ursula User", email, passwordHash, "UTC"));
        return fixture.Client.GetGrain<IUserGrain>(signUp.User!.Id);
    }

    /// <summary>A stamp as a token carries it (<c>iat_ms</c>): whole milliseconds, rounded down.</summary>
    private static DateTimeOffset AsInToken(DateTimeOffset stamp) => DateTimeOffset.FromUnixTimeMilliseconds(stamp.ToUnixTimeMilliseconds());

    [Fact]
    public async Task A_sign_in_or_password_change_checked_before_a_reset_cannot_act_after_it()
    {
        var user = await SignedUp("old-hash");
        var checkedAgainst = await user.GetPasswordHash();
        Assert.Equal("old-hash", checkedAgainst);
        var before = await user.StampSignIn(checkedAgainst!);
        Assert.NotNull(before);

        // The owner's reset lands between the check and the act.
        var secret = RandomNumberGenerator.GetBytes(48);
        Assert.True(await user.StartPasswordReset(SHA256.HashData(secret)));
        var reset = await user.ResetPassword(SHA256.HashData(secret), "owners-hash");
        Assert.NotNull(reset);
        Assert.True(reset.EmailVerified);

        // A password change checked against the old password is refused and writes nothing, not even
        // the name and zone that came with it...
        Assert.False(await user.ChangePassword(checkedAgainst!, "intruders-hash", "Mallory", "Europe/Paris"));
        Assert.Equal("owners-hash", await user.GetPasswordHash());
        var untouched = await user.Get();
        Assert.Equal(("Ursula User", "UTC"), (untouched!.Name, untouched.TimeZone));
        // ...a sign-in checked against it gets no token...
        Assert.Null(await user.StampSignIn(checkedAgainst!));
        // ...and a token stamped before the reset no longer counts, while one after it does.
        Assert.False(await user.AcceptsToken(Guid.NewGuid(), AsInToken(before.Value)));
        var after = await user.StampSignIn("owners-hash");
        Assert.NotNull(after);
        Assert.True(await user.AcceptsToken(Guid.NewGuid(), AsInToken(after.Value)));

        // A change checked against the current password goes through and ends that token too.
        Assert.True(await user.ChangePassword("owners-hash", "newer-hash", "Ursula Owner", null));
        Assert.Equal("newer-hash", await user.GetPasswordHash());
        var renamed = await user.Get();
        Assert.Equal(("Ursula Owner", "UTC"), (renamed!.Name, renamed.TimeZone));
        Assert.False(await user.AcceptsToken(Guid.NewGuid(), AsInToken(after.Value)));
    }
}
