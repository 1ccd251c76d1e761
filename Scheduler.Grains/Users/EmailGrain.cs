namespace Scheduler.Users;

public sealed class EmailState
{
    public Guid? UserId { get; set; }
}

/// <summary>
/// Owns one email address. Not reentrant: sign-ups and booker look-ups for one address run one at
/// a time, which is what makes the address unique under concurrent sign-ups.
/// </summary>
public sealed class EmailGrain(
    [PersistentState("email", "scheduler")] IPersistentState<EmailState> store) : DurableGrain, IEmailGrain
{
    private string Email => this.GetPrimaryKeyString()["email:".Length..];

    public async Task<SignUpResult> SignUp(SignUpRequest request)
    {
        var (userId, existing) = await Owner();
        if (existing is { HasPassword: true })
            return new SignUpResult(SignUpOutcome.EmailTaken, null);
        var user = GrainFactory.GetGrain<IUserGrain>(userId);
        var profile = await user.Register(request.Name, Email, request.TimeZone, request.PasswordHash);
        return new SignUpResult(existing is null ? SignUpOutcome.Created : SignUpOutcome.Claimed, profile);
    }

    public async Task<UserProfile> FindOrCreateBooker(string name, string timeZone)
    {
        var (userId, existing) = await Owner();
        return existing ?? await GrainFactory.GetGrain<IUserGrain>(userId).Register(name, Email, timeZone, null);
    }

    public async Task<Credentials?> GetCredentials()
    {
        if (store.State.UserId is not { } userId) return null;
        var hash = await GrainFactory.GetGrain<IUserGrain>(userId).GetPasswordHash();
        return new Credentials(userId, hash);
    }

    /// <summary>
    /// The user id owning this address, reserving a new one if needed. The reservation is written
    /// before the user exists, so a crash in between leaves a reserved id that the next call completes.
    /// </summary>
    private async Task<(Guid UserId, UserProfile? Existing)> Owner()
    {
        if (store.State.UserId is { } id)
            return (id, await GrainFactory.GetGrain<IUserGrain>(id).Get());
        store.State.UserId = Guid.NewGuid();
        await WriteOrRetryLaterAsync(store);
        return (store.State.UserId.Value, null);
    }
}
