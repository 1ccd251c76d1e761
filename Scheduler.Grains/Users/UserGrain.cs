namespace Scheduler.Users;

public sealed class UserState
{
    /// <summary>The user's id (also the grain key), kept in the JSON for SQL views.</summary>
    public Guid Id { get; set; }

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
    [Microsoft.Extensions.DependencyInjection.FromKeyedServices(SchedulerClock.Key)] TimeProvider clock) : DurableGrain, IUserGrain
{
    private UserState State => store.State;
    private bool Exists => State.Name is not null;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        State.Id = this.GetPrimaryKey();
        return Task.CompletedTask;
    }

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
            await WriteOrRetryLaterAsync(store);
        }
        else if (passwordHash is not null && State.PasswordHash is null)
        {
            // A password-less booker signs up: the account (and its bookings) becomes theirs.
            State.Name = name;
            State.TimeZone = timeZone;
            State.PasswordHash = passwordHash;
            State.UpdatedAt = now;
            await WriteOrRetryLaterAsync(store);
        }
        return Profile();
    }

    public Task<string?> GetPasswordHash() => Task.FromResult(State.PasswordHash);

    public async Task RecordBooking(Guid bookingId, Guid organizerId)
    {
        if (State.Bookings.TryGetValue(bookingId, out var known) && known == organizerId) return;
        State.Bookings[bookingId] = organizerId;
        await WriteOrRetryLaterAsync(store);
    }

    public async Task<BookingPage> ListBookingsAsBooker(BookingListQuery query)
    {
        var me = this.GetPrimaryKey();
        var found = await Task.WhenAll(State.Bookings.GroupBy(kv => kv.Value, kv => kv.Key)
            .Select(g => GrainFactory.GetGrain<ICalendarGrain>(g.Key).GetBookings(g.ToList())));
        var zone = NodaTime.DateTimeZoneProviders.Tzdb.GetZoneOrNull(State.TimeZone) ?? NodaTime.DateTimeZone.Utc;
        var mine = found.SelectMany(b => b).Where(b => b.UserId == me);
        if (query.Status is { } status) mine = mine.Where(b => b.Status == status);
        var (items, hasMore) = Listings.Take(
            Listings.Filter(mine, b => b.Start, b => b.End, b => b.Id, query, zone, clock.GetUtcNow()), query.Limit);
        return new BookingPage(items, hasMore);
    }

    public async Task<UserProfile?> UpdateProfile(string? name, string? timeZone, string? passwordHash)
    {
        if (!Exists) return null;
        var changed = false;
        if (name is not null && name != State.Name) { State.Name = name; changed = true; }
        if (timeZone is not null && timeZone != State.TimeZone) { State.TimeZone = timeZone; changed = true; }
        if (passwordHash is not null) { State.PasswordHash = passwordHash; changed = true; }
        if (changed)
        {
            State.UpdatedAt = clock.GetUtcNow();
            await WriteOrRetryLaterAsync(store);
        }
        // Availability is read in the organizer's zone: the calendar follows (also on a retry
        // after a failure here, which is why this runs whether or not anything changed).
        if (timeZone is not null)
            await GrainFactory.GetGrain<ICalendarGrain>(this.GetPrimaryKey()).SetTimeZone(timeZone);
        return Profile();
    }

    public Task<Guid?> FindBookingOrganizer(Guid bookingId) =>
        Task.FromResult(State.Bookings.TryGetValue(bookingId, out var organizer) ? organizer : (Guid?)null);

    private UserProfile Profile() => new(
        this.GetPrimaryKey(), State.Name!, State.Email, State.TimeZone, State.PasswordHash is not null,
        State.CreatedAt, State.UpdatedAt);
}
