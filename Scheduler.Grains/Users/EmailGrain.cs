using Scheduler.Storage;

namespace Scheduler.Users;

/// <summary>
/// One email address. Not reentrant: sign-ups for one address run one at a time here, and the
/// unique index on users' normalized email backs that up across the cluster.
/// </summary>
public sealed class EmailGrain(UserStore users, UserIds userIds) : Grain, IEmailGrain
{
    private string Email => this.GetPrimaryKeyString()["email:".Length..];

    public async Task<SignUpResult> SignUp(SignUpRequest request)
    {
        var existing = await Db.Read(() => users.FindByEmail(Email));
        if (existing is { PasswordHash: not null })
            return new SignUpResult(SignUpOutcome.EmailTaken, null);
        // A new address gets the id every calendar would give it; a known one keeps its user.
        var id = existing?.Id ?? await userIds.ForEmail(Email);
        var profile = await GrainFactory.GetGrain<IUserGrain>(id).Register(request.Name, request.Email, request.TimeZone, request.PasswordHash);
        if (profile is null) return new SignUpResult(SignUpOutcome.EmailTaken, null);
        return new SignUpResult(existing is null ? SignUpOutcome.Created : SignUpOutcome.Claimed, profile);
    }

    public async Task<Credentials?> GetCredentials() =>
        await Db.Read(() => users.FindByEmail(Email)) is { } user ? new Credentials(user.Id, user.PasswordHash) : null;
}
