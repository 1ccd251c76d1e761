namespace Scheduler.Users;

public sealed class UserState
{
    public string? Name { get; set; }
    public string Email { get; set; } = "";
    public string TimeZone { get; set; } = "UTC";
    public string? PasswordHash { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Bookings this user made as a booker: booking id → organizer id.</summary>
    public Dictionary<Guid, Guid> Bookings { get; set; } = [];
}

public sealed class UserGrain(
    [PersistentState("user", "scheduler")] IPersistentState<UserState> store,
    TimeProvider clock) : Grain, IUserGrain
{
    private UserState State => store.State;
    private bool Exists => State.Name is not null;

    public Task<UserProfile?> Get() => Task.FromResult(Exists ? Profile() : null);

    public async Task<UserProfile> Register(string name, string email, string timeZone, string? passwordHash)
    {
        var now = clock.GetUtcNow();
        if (!Exists)
        {
            State.Name = name;
            State.Email = email;
            State.TimeZone = timeZone;
            State.PasswordHash = passwordHash;
            State.CreatedAt = now;
            State.UpdatedAt = now;
            await store.WriteStateAsync();
        }
        else if (passwordHash is not null && State.PasswordHash is null)
        {
            // A password-less booker signs up: the account (and its bookings) becomes theirs.
            State.Name = name;
            State.TimeZone = timeZone;
            State.PasswordHash = passwordHash;
            State.UpdatedAt = now;
            await store.WriteStateAsync();
        }
        return Profile();
    }

    public Task<string?> GetPasswordHash() => Task.FromResult(State.PasswordHash);

    public async Task RecordBooking(Guid bookingId, Guid organizerId)
    {
        if (State.Bookings.TryGetValue(bookingId, out var known) && known == organizerId) return;
        State.Bookings[bookingId] = organizerId;
        await store.WriteStateAsync();
    }

    public Task<Guid?> FindBookingOrganizer(Guid bookingId) =>
        Task.FromResult(State.Bookings.TryGetValue(bookingId, out var organizer) ? organizer : (Guid?)null);

    private UserProfile Profile() => new(
        this.GetPrimaryKey(), State.Name!, State.Email, State.TimeZone, State.PasswordHash is not null,
        State.CreatedAt, State.UpdatedAt);
}
