using Scheduler.Storage;

namespace Scheduler.Users;

/// <summary>
/// A user's profile and credentials (rows in users and credentials). Every change to them goes
/// through here, so the profile is read once per activation and kept; a booker's user created by
/// a calendar's commit is read again until it exists.
/// </summary>
public sealed class UserGrain(
    UserStore users,
    BookingQueries bookings,
    [Microsoft.Extensions.DependencyInjection.FromKeyedServices(SchedulerClock.Key)] TimeProvider clock) : Grain, IUserGrain
{
    private UserRow? _row;
    private HashSet<Guid>? _revoked;

    private Guid Id => this.GetPrimaryKey();

    private DateTimeOffset Now
    {
        get
        {
            var now = clock.GetUtcNow();
            return new DateTimeOffset(now.UtcTicks - now.UtcTicks % 10, TimeSpan.Zero);
        }
    }

    /// <summary>Counts writes begun and ended: a read that overlapped one may be stale and is not cached.</summary>
    private long _generation;

    private async Task<UserRow?> Row()
    {
        if (_row is { } known) return known;
        var generation = _generation;
        var read = await Db.Read(() => users.Get(Id));
        // Interleaved calls (Get, AcceptsToken) read while a write may be committing: keep only a read
        // no write overlapped, so an old password or token cut-off cannot come back into the cache.
        if (generation == _generation) _row ??= read;
        return read;
    }

    public async Task<UserProfile?> Get() => (await Row())?.ToProfile();

    public async Task<UserProfile?> Register(string name, string email, string timeZone, string passwordHash)
    {
        var registered = await Write(() => users.Register(Id, name, email, timeZone, passwordHash, Now));
        // The address may belong to another user id (a booker from before ids were derived from addresses).
        _row = registered?.Id == Id ? registered : null;
        return registered?.ToProfile();
    }

    public async Task<string?> GetPasswordHash() => (await Row())?.PasswordHash;

    public async Task<DateTimeOffset?> StampSignIn(string passwordHash)
    {
        if (await Row() is not { PasswordHash: { } current } row || current != passwordHash) return null;
        // Tokens carry their stamp in whole milliseconds (rounded down), the cut-off is kept to the
        // microsecond: a sign-in within the millisecond after a change is stamped at the next one, so
        // its token is not refused at once (a frozen test clock would always hit this).
        var now = Now;
        if (row.TokensValidAfter is { } after)
        {
            var ceiling = DateTimeOffset.FromUnixTimeMilliseconds((after.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond);
            if (now < ceiling) now = ceiling;
        }
        return now;
    }

    public async Task<BookingPage> ListBookingsAsBooker(BookingListQuery query)
    {
        // What was booked with this address is someone else's until the account proves it owns it.
        if (await Row() is not { IsVerified: true }) return new BookingPage([], false);
        var zone = NodaTime.DateTimeZoneProviders.Tzdb.GetZoneOrNull((await Row())?.TimeZone ?? "UTC") ?? NodaTime.DateTimeZone.Utc;
        var found = await Db.Read(() => bookings.ListBookings("user_id", Id, Listings.Range(query, zone, Now), query.Status));
        var (items, hasMore) = Listings.Take(found, query.Limit);
        return new BookingPage(items.Select(b => new BookingView(
            b.Id, b.EventId, b.EventTypeId, b.OrganizerId, b.UserId, b.Name, b.Email, b.Notes, b.Status,
            b.Start, b.End, b.CreatedAt, b.UpdatedAt, b.CancellationReason, b.CancelledBy)).ToList(), hasMore);
    }

    public async Task<IReadOnlyList<BookingView>> UpcomingBookingsForMail(int limit)
    {
        if (await Row() is null) return [];
        // The active statuses one query each (the listing filters one status), merged by start.
        var range = Listings.Range(new BookingListQuery(null, null, null, limit, null, null), NodaTime.DateTimeZone.Utc, Now);
        var confirmed = await Db.Read(() => bookings.ListBookings("user_id", Id, range, BookingStatus.Confirmed));
        var pending = await Db.Read(() => bookings.ListBookings("user_id", Id, range, BookingStatus.Pending));
        return confirmed.Concat(pending).OrderBy(b => b.Start).ThenBy(b => b.Id).Take(limit).Select(b => new BookingView(
            b.Id, b.EventId, b.EventTypeId, b.OrganizerId, b.UserId, b.Name, b.Email, b.Notes, b.Status,
            b.Start, b.End, b.CreatedAt, b.UpdatedAt, b.CancellationReason, b.CancelledBy)).ToList();
    }

    public async Task<bool> ChangePassword(string expectedHash, string passwordHash, string? name, string? timeZone)
    {
        if (await Row() is not { PasswordHash: { } current } || current != expectedHash) return false;
        var now = Now;
        // No read after it: the row is read again when next needed, so a failing read cannot turn a
        // stored change into an error its retry would then refuse.
        var changed = await Write(() => users.ChangePassword(Id, expectedHash, passwordHash, now, name, timeZone));
        if (!changed) return false;
        TellFrontEndsTokensChanged();
        // Availability is read in the organizer's zone: the calendar follows.
        if (timeZone is not null) await GrainFactory.GetGrain<ICalendarGrain>(Id).SetTimeZone(timeZone);
        return true;
    }

    public async Task<UserProfile?> UpdateProfile(string? name, string? timeZone)
    {
        if (await Row() is not { } current) return null;
        if ((name is not null && name != current.Name) || (timeZone is not null && timeZone != current.TimeZone))
            _row = await Write(() => users.Update(Id, name, timeZone, Now));
        // Availability is read in the organizer's zone: the calendar follows (also on a retry
        // after a failure here, which is why this runs whether or not anything changed).
        if (timeZone is not null)
            await GrainFactory.GetGrain<ICalendarGrain>(Id).SetTimeZone(timeZone);
        return _row?.ToProfile();
    }

    public async Task<Guid?> FindBookingOrganizer(Guid bookingId) =>
        await Row() is { IsVerified: true } ? await Db.Read(() => bookings.FindBookingOrganizer(Id, bookingId)) : null;

    public async Task<bool> AcceptsToken(Guid tokenId, DateTimeOffset issuedAt)
    {
        if (await Row() is not { PasswordHash: not null } row) return false;
        if (row.TokensValidAfter is { } after && issuedAt < after) return false;
        return !(await Revoked()).Contains(tokenId);
    }

    /// <summary>Revoked token ids, loaded once. AcceptsToken interleaves: the first load to finish is kept.</summary>
    private async Task<HashSet<Guid>> Revoked()
    {
        if (_revoked is { } known) return known;
        var loaded = await Db.Read(() => users.RevokedTokens(Id, Now));
        return _revoked ??= loaded;
    }

    public async Task RevokeToken(Guid tokenId, DateTimeOffset expiresAt)
    {
        await Write(async () => { await users.RevokeToken(Id, tokenId, expiresAt, Now); return true; });
        (await Revoked()).Add(tokenId);
        TellFrontEndsTokensChanged();
    }

    public async Task RevokeAllTokens()
    {
        _row = await Write(() => users.RevokeAllTokens(Id, Now));
        TellFrontEndsTokensChanged();
    }

    /// <summary>
    /// After a revocation is stored: every front end re-checks this user's live connections at once
    /// instead of at its next round (one-way, best effort: the rounds remain the backstop).
    /// </summary>
    private void TellFrontEndsTokensChanged() => LiveRelay.For(GrainFactory, Id).PublishTokensRevoked(Id).Ignore();

    public async Task<bool> StartEmailVerification(byte[] tokenHash)
    {
        if (await Row() is not { PasswordHash: not null, EmailVerifiedAt: null }) return false;
        var now = Now;
        return await Write(() => users.AddVerification(Id, tokenHash, now, now + EmailVerification.Lifetime));
    }

    public async Task<TimeSpan?> VerificationWait() =>
        await Row() is { PasswordHash: not null, EmailVerifiedAt: null } ? await Db.Read(() => users.VerificationWait(Id, Now)) : null;

    public async Task<UserProfile?> VerifyEmail(byte[] tokenHash)
    {
        if (!await Write(() => users.Verify(Id, tokenHash, Now))) return null;
        _row = await Db.Read(() => users.Get(Id));
        return _row?.ToProfile();
    }

    public async Task<bool> StartPasswordReset(byte[] tokenHash)
    {
        if (await Row() is not { PasswordHash: not null }) return false;
        var now = Now;
        return await Write(() => users.AddPasswordReset(Id, tokenHash, now, now + PasswordReset.Lifetime));
    }

    public async Task<UserProfile?> ResetPassword(byte[] tokenHash, string passwordHash)
    {
        // Write forgets the cached row before and after (old tokens must not keep passing AcceptsToken
        // on a cached one); the statement returns the new row, so nothing can fail after the commit.
        var reset = await Write(() => users.ResetPassword(Id, tokenHash, passwordHash, Now));
        if (reset is null) return null;
        _row = reset;
        TellFrontEndsTokensChanged();
        return reset.ToProfile();
    }

    /// <summary>
    /// The calendar feed as stored, loaded once and forgotten with the row by every write (AcceptsCalendarFeed
    /// interleaves: as for <see cref="Row"/>, a read that a write overlapped is not kept).
    /// </summary>
    private (byte[] TokenHash, DateTimeOffset CreatedAt)? _feed;
    private bool _feedLoaded;

    private async Task<(byte[] TokenHash, DateTimeOffset CreatedAt)?> Feed()
    {
        if (_feedLoaded) return _feed;
        var generation = _generation;
        var loaded = await Db.Read(() => users.GetCalendarFeed(Id));
        if (generation == _generation && !_feedLoaded) (_feed, _feedLoaded) = (loaded, true);
        return loaded;
    }

    /// <summary>The feed, if it still works: an account's, made no earlier than its tokens' cut-off.</summary>
    private async Task<(byte[] TokenHash, DateTimeOffset CreatedAt)?> WorkingFeed()
    {
        if (await Row() is not { PasswordHash: not null } row) return null;
        return await Feed() is { } feed && !(row.TokensValidAfter is { } after && feed.CreatedAt < after) ? feed : null;
    }

    public async Task<DateTimeOffset?> CreateCalendarFeed(byte[] tokenHash, string passwordHash)
    {
        if (await Row() is not { PasswordHash: not null }) return null;
        var now = Now;
        if (!await Write(() => users.SetCalendarFeed(Id, tokenHash, passwordHash, now))) return null;
        (_feed, _feedLoaded) = ((tokenHash, now), true);
        return now;
    }

    public async Task<DateTimeOffset?> GetCalendarFeed() => (await WorkingFeed())?.CreatedAt;

    public async Task<bool> DeleteCalendarFeed()
    {
        var had = await WorkingFeed() is not null;
        await Write(() => users.DeleteCalendarFeed(Id));
        (_feed, _feedLoaded) = (null, true);
        return had;
    }

    public async Task<bool> AcceptsCalendarFeed(byte[] tokenHash) =>
        await WorkingFeed() is { } feed && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(feed.TokenHash, tokenHash);

    /// <summary>
    /// Runs a write with the cached row forgotten before and after it (reads overlapping it are not
    /// cached; see <see cref="Row"/>). A failed write leaves the outcome unknown: the caller retries.
    /// </summary>
    private async Task<T> Write<T>(Func<Task<T>> write)
    {
        Forget();
        try
        {
            return await write();
        }
        catch (Exception e) when (e is System.Data.Common.DbException or TimeoutException)
        {
            throw new RetryLaterException("The change could not be stored; its outcome is unknown. Retry.");
        }
        finally
        {
            Forget();
        }
    }

    private void Forget()
    {
        _row = null;
        (_feed, _feedLoaded) = (null, false);
        _generation++;
    }
}
