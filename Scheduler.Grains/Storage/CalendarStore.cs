using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Scheduler.Calendar;

namespace Scheduler.Storage;

/// <summary>What a calendar loads on activation: its working set, not its history.</summary>
public sealed record CalendarSnapshot(
    long Version,
    string? TimeZone,
    string? TokenKey,
    DateTimeOffset? BookingReminderDue,
    string? OrganizerTimeZone,
    List<EventTypeRecord> EventTypes,
    List<AvailabilityRecord> Availability,
    List<BookingRecord> ActiveBookings,
    List<IdempotencyRecord> Replies,
    List<DateOverrideRecord> Overrides,
    List<EventRecord> Blocks);

/// <summary>
/// The calendar's persistence: load the working set, and write one group commit's changed rows in
/// one transaction under the calendar's version.
/// </summary>
public interface ICalendarStore
{
    Task<CalendarSnapshot> LoadAsync(Guid organizerId, DateTimeOffset now, TimeSpan replyRetention);

    /// <summary>
    /// Writes the commit's rows atomically. Throws <see cref="CalendarVersionConflictException"/> when
    /// the calendar's row is no longer at <see cref="CalendarCommit.ExpectedVersion"/> (nothing is
    /// written), or the database's exception when it refuses any row (nothing is written either).
    /// </summary>
    Task<CommitResult> CommitAsync(CalendarCommit commit);

    /// <summary>
    /// The calendar's last commit completed and it has nothing more to write for now (its next
    /// decision will call <see cref="CommitAsync"/>). A store that batches several calendars per
    /// transaction uses this to stop waiting for the calendar; others ignore it.
    /// </summary>
    void CommitsIdle(Guid organizerId) { }
}

/// <summary>Another activation of the same calendar committed first; this one's decisions were not stored.</summary>
public sealed class CalendarVersionConflictException(string message, Exception inner) : Exception(message, inner);

public sealed class PostgresCalendarStore(NpgsqlDataSource db) : ICalendarStore, ICalendarBatchWriter
{
    public const string VersionConflictState = "SC409";

    internal static readonly JsonSerializerOptions ReplyJson = new();

    internal const string BookingColumns =
        "id, event_id, event_type_id, organizer_id, user_id, name, email, notes, status, start_time, end_time, " +
        "created_at, updated_at, cancellation_reason, cancelled_by, reminder_sent, manage_token_hash, " +
        "buffer_before_minutes, buffer_after_minutes";

    /// <summary>
    /// Active bookings that ended this long ago are still loaded: the daily and weekly limits count
    /// every booking of the current ISO week in the organizer's zone (a week plus any zone's offset).
    /// </summary>
    private static readonly TimeSpan LimitLookBack = TimeSpan.FromDays(8);

    /// <summary>
    /// The calendar number of the organizer in parameter <c>$1</c>, for the listing indexes keyed by
    /// (calendar_number, start_time) (V15). Null, so no rows, for an organizer who never committed.
    /// </summary>
    internal const string CalendarNumber = "(select c.number from calendars c where c.organizer_id = $1)";

    public async Task<CalendarSnapshot> LoadAsync(Guid organizerId, DateTimeOffset now, TimeSpan replyRetention)
    {
        await using var batch = db.CreateBatch();
        Add(batch, "select version, time_zone, token_key, booking_reminder_due from calendars where organizer_id = $1", organizerId);
        Add(batch, "select time_zone from users where id = $1", organizerId);
        Add(batch, """
            select id, title, description, duration_minutes, location, active, requires_confirmation, reminder_minutes,
                   deleted, created_at, updated_at, slot_interval_minutes, buffer_before_minutes, buffer_after_minutes,
                   minimum_notice_minutes, max_days_in_future, max_bookings_per_day, max_bookings_per_week, listed
            from event_types where user_id = $1
            """, organizerId);
        Add(batch, """
            select id, day_of_week, (extract(epoch from start_time) / 60)::int, (extract(epoch from end_time) / 60)::int,
                   created_at, updated_at
            from availability where user_id = $1
            """, organizerId);
        Add(batch, $"""
            select {BookingColumns} from bookings
            where calendar_number = {CalendarNumber} and organizer_id = $1 and status in ('Pending', 'Confirmed') and end_time > $2
              -- A booking lasts at most 1 440 minutes (V15's check): the index range starts there, not at
              -- the calendar's first booking, however much history it holds.
              and start_time > $3
            """, organizerId, now - LimitLookBack, now - LimitLookBack - BookingQueries.LongestBooking);
        Add(batch, $"""
            select r.key, r.fingerprint, r.outcome, r.reply::text, r.created_at, r.booking_status, {Prefixed("b.")}
            from idempotency_replies r left join bookings b on b.id = r.booking_id
            where r.organizer_id = $1 and r.created_at > $2
            """, organizerId, now - replyRetention);
        // Replies kept in the rows of the bookings they created (V10): made in the retention window,
        // so starting after its beginning too, which the calendar's start-time index finds.
        Add(batch, $"""
            select idempotency_key, idempotency_fingerprint, idempotency_status, {BookingColumns} from bookings
            where calendar_number = {CalendarNumber} and organizer_id = $1 and start_time > $2 and created_at > $2 and idempotency_key is not null
            """, organizerId, now - replyRetention);
        Add(batch, """
            select o.date, o.created_at, o.updated_at,
                   array(select (extract(epoch from i.start_time) / 60)::int from date_override_intervals i
                         where i.user_id = o.user_id and i.date = o.date order by i.start_time, i.end_time),
                   array(select (extract(epoch from i.end_time) / 60)::int from date_override_intervals i
                         where i.user_id = o.user_id and i.date = o.date order by i.start_time, i.end_time)
            from date_overrides o where o.user_id = $1
            """, organizerId);
        Add(batch, """
            select id, title, description, location, start_time, end_time, created_at, updated_at
            from events where user_id = $1 and event_type_id is null and end_time > $2
            """, organizerId, now);

        await using var reader = await batch.ExecuteReaderAsync();
        long version = 0;
        string? timeZone = null, tokenKey = null, organizerZone = null;
        DateTimeOffset? reminderDue = null;
        if (await reader.ReadAsync())
        {
            version = reader.GetInt64(0);
            timeZone = reader.IsDBNull(1) ? null : reader.GetString(1);
            tokenKey = reader.IsDBNull(2) ? null : reader.GetString(2);
            reminderDue = reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3);
        }
        await reader.NextResultAsync();
        if (await reader.ReadAsync()) organizerZone = reader.GetString(0);

        await reader.NextResultAsync();
        var eventTypes = new List<EventTypeRecord>();
        while (await reader.ReadAsync())
        {
            eventTypes.Add(new EventTypeRecord
            {
                Id = reader.GetGuid(0),
                Title = reader.GetString(1),
                Description = reader.GetString(2),
                DurationMinutes = reader.GetInt32(3),
                Location = reader.GetString(4),
                Active = reader.GetBoolean(5),
                RequiresConfirmation = reader.GetBoolean(6),
                ReminderMinutes = reader.GetInt32(7),
                Deleted = reader.GetBoolean(8),
                CreatedAt = reader.GetFieldValue<DateTimeOffset>(9),
                UpdatedAt = reader.GetFieldValue<DateTimeOffset>(10),
                SlotIntervalMinutes = NullableInt(reader, 11),
                BufferBeforeMinutes = NullableInt(reader, 12),
                BufferAfterMinutes = NullableInt(reader, 13),
                MinimumNoticeMinutes = NullableInt(reader, 14),
                MaxDaysInFuture = NullableInt(reader, 15),
                MaxBookingsPerDay = NullableInt(reader, 16),
                MaxBookingsPerWeek = NullableInt(reader, 17),
                Listed = reader.GetBoolean(18),
            });
        }
        eventTypes.Sort((a, b) => a.CreatedAt.CompareTo(b.CreatedAt));

        await reader.NextResultAsync();
        var availability = new List<AvailabilityRecord>();
        while (await reader.ReadAsync())
        {
            availability.Add(new AvailabilityRecord
            {
                Id = reader.GetGuid(0),
                DayOfWeek = Enum.Parse<DayOfWeek>(reader.GetString(1)),
                StartMinute = reader.GetInt32(2),
                EndMinute = reader.GetInt32(3),
                CreatedAt = reader.GetFieldValue<DateTimeOffset>(4),
                UpdatedAt = reader.GetFieldValue<DateTimeOffset>(5),
            });
        }

        await reader.NextResultAsync();
        var bookings = new List<BookingRecord>();
        while (await reader.ReadAsync()) bookings.Add(ReadBooking(reader));

        await reader.NextResultAsync();
        var replies = new List<IdempotencyRecord>();
        while (await reader.ReadAsync())
        {
            BookingView? first = null;
            if (!reader.IsDBNull(3))
            {
                // Stored by the JSON-document version: the body itself.
                first = JsonSerializer.Deserialize<BookingView>(reader.GetString(3), ReplyJson);
            }
            else if (!reader.IsDBNull(6))
            {
                // The body the first answer showed: the booking as it was created.
                var b = ReadBooking(reader, 6);
                first = FirstAnswer(b, Enum.Parse<BookingStatus>(reader.GetString(5)));
            }
            replies.Add(new IdempotencyRecord
            {
                Key = reader.GetString(0),
                Fingerprint = reader.GetString(1),
                Kind = Enum.Parse<BookingOutcomeKind>(reader.GetString(2)),
                Booking = first,
                CreatedAt = reader.GetFieldValue<DateTimeOffset>(4),
            });
        }

        await reader.NextResultAsync();
        while (await reader.ReadAsync())
        {
            var b = ReadBooking(reader, 3);
            replies.Add(new IdempotencyRecord
            {
                Key = reader.GetString(0),
                Fingerprint = Convert.ToHexString(reader.GetFieldValue<byte[]>(1)),
                Kind = BookingOutcomeKind.Created,
                Booking = FirstAnswer(b, Enum.Parse<BookingStatus>(reader.GetString(2))),
                CreatedAt = b.CreatedAt,
            });
        }

        await reader.NextResultAsync();
        var overrides = new List<DateOverrideRecord>();
        while (await reader.ReadAsync())
        {
            var starts = reader.GetFieldValue<int[]>(3);
            var ends = reader.GetFieldValue<int[]>(4);
            overrides.Add(new DateOverrideRecord
            {
                Date = reader.GetFieldValue<DateOnly>(0),
                CreatedAt = reader.GetFieldValue<DateTimeOffset>(1),
                UpdatedAt = reader.GetFieldValue<DateTimeOffset>(2),
                Windows = starts.Zip(ends, (start, end) => new OverrideWindow(start, end)).ToList(),
            });
        }

        await reader.NextResultAsync();
        var blocks = new List<EventRecord>();
        while (await reader.ReadAsync())
        {
            blocks.Add(new EventRecord
            {
                Id = reader.GetGuid(0),
                Title = reader.GetString(1),
                Description = reader.GetString(2),
                Location = reader.GetString(3),
                Start = reader.GetFieldValue<DateTimeOffset>(4),
                End = reader.GetFieldValue<DateTimeOffset>(5),
                CreatedAt = reader.GetFieldValue<DateTimeOffset>(6),
                UpdatedAt = reader.GetFieldValue<DateTimeOffset>(7),
            });
        }
        return new CalendarSnapshot(version, timeZone, tokenKey, reminderDue, organizerZone, eventTypes, availability, bookings, replies,
            overrides, blocks);
    }

    /// <summary>A booking as the reply that created it showed it: the status it was answered with, not yet updated.</summary>
    private static BookingView FirstAnswer(BookingRecord b, BookingStatus answered) =>
        new(b.Id, b.EventId, b.EventTypeId, b.OrganizerId, b.UserId, b.Name, b.Email, b.Notes, answered, b.Start, b.End,
            b.CreatedAt, b.CreatedAt, null, null);

    private static int? NullableInt(NpgsqlDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetInt32(column);

    private static string Prefixed(string prefix) => string.Join(", ", BookingColumns.Split(", ").Select(c => prefix + c));

    /// <summary>A booking from <see cref="BookingColumns"/>, starting at column <paramref name="o"/>.</summary>
    internal static BookingRecord ReadBooking(NpgsqlDataReader r, int o = 0) => new()
    {
        Id = r.GetGuid(o),
        EventId = r.GetGuid(o + 1),
        EventTypeId = r.GetGuid(o + 2),
        OrganizerId = r.GetGuid(o + 3),
        UserId = r.GetGuid(o + 4),
        Name = r.GetString(o + 5),
        Email = r.GetString(o + 6),
        Notes = r.IsDBNull(o + 7) ? null : r.GetString(o + 7),
        Status = Enum.Parse<BookingStatus>(r.GetString(o + 8)),
        Start = r.GetFieldValue<DateTimeOffset>(o + 9),
        End = r.GetFieldValue<DateTimeOffset>(o + 10),
        CreatedAt = r.GetFieldValue<DateTimeOffset>(o + 11),
        UpdatedAt = r.GetFieldValue<DateTimeOffset>(o + 12),
        CancellationReason = r.IsDBNull(o + 13) ? null : r.GetString(o + 13),
        CancelledBy = r.IsDBNull(o + 14) ? null : StoredText.Party(r.GetString(o + 14)),
        ReminderSent = r.GetBoolean(o + 15),
        ManageTokenHash = r.GetFieldValue<byte[]>(o + 16),
        BufferBeforeMinutes = r.GetInt32(o + 17),
        BufferAfterMinutes = r.GetInt32(o + 18),
    };

    public async Task<CommitResult> CommitAsync(CalendarCommit commit) => (await CommitManyAsync([commit]))[0];

    /// <summary>
    /// Writes several calendars' commits in one transaction (one <see cref="NpgsqlBatch"/>, one round
    /// trip): each calendar's version is checked and incremented, and the hot rows (bookers, events,
    /// bookings, notifications, replies) of all of them go in one statement per table. All or nothing:
    /// if any calendar's version check or any row fails, nothing of any of them is written, and the
    /// caller (<see cref="CalendarCommitQueue"/>) decides which calendar to blame.
    /// </summary>
    public async Task<IReadOnlyList<CommitResult>> CommitManyAsync(IReadOnlyList<CalendarCommit> commits)
    {
        // One batch, one round trip, one implicit transaction: a failing statement rolls back the
        // statements before it and skips the ones after it. Calendars in a fixed order, so two
        // transactions touching the same rows (a duplicate activation) take their locks in one order.
        var all = commits.OrderBy(c => c.OrganizerId).ToList();
        await using var batch = db.CreateBatch();
        Add(batch, """
            select calendar_commit_versions($1::uuid[], $2::bigint[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[])
            """,
            Arr(all, c => c.OrganizerId), Arr(all, c => c.ExpectedVersion), Arr(all, c => c.TimeZone), Arr(all, c => c.TokenKey),
            Arr(all, c => c.BookingReminderDue), Arr(all, c => c.Now));

        // What organizers change rarely (event types, rules, overrides): statements of their own.
        foreach (var c in all) AddSettings(batch, c);

        // The anonymous bookers' users: an address that already has a user keeps it (the bookings
        // below find it by address), and two transactions creating one new address meet at its
        // unique index, where the second does nothing. Nothing here can fail the batch. Sorted by
        // address, so concurrent transactions meet shared new addresses in the same order.
        // (ON CONFLICT's speculative insertion writes a confirmation record per row, 48 bytes of WAL
        // per booking; a plain insert under advisory locks per address was tried and reverted: its
        // NOT EXISTS anti-join, planned while users was small, kept a hash join over the whole table
        // and tripled PostgreSQL's CPU per booking. README, "The last 2 KiB".)
        var anonymous = all.SelectMany(c => c.NewBookings).Where(b => b.Anonymous)
            .Select(b => (Row: b, Address: GrainKeys.NormalizeEmail(b.Email)))
            .DistinctBy(b => b.Address).OrderBy(b => b.Address, StringComparer.Ordinal).ToList();
        if (anonymous.Count > 0)
        {
            Add(batch, """
                insert into users (id, name, email, time_zone, created_at, updated_at, has_password, email_normalized)
                select x.id, x.name, x.email, 'UTC', x.created, x.created, false, x.normalized
                from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[]) as x(id, name, email, normalized, created)
                on conflict do nothing
                """,
                Arr(anonymous, b => b.Row.UserId), Arr(anonymous, b => b.Row.Name), Arr(anonymous, b => b.Row.Email),
                Arr(anonymous, b => b.Address), Arr(anonymous, b => b.Row.CreatedAt));
        }

        // Plain inserts (no ON CONFLICT) for rows with ids the calendars chose: a commit that already
        // happened cannot be applied again anyway, since its version check would fail.
        var events = all.SelectMany(c => c.NewEvents.Select(e => (c.OrganizerId, Row: e))).ToList();
        if (events.Count > 0)
        {
            Add(batch, """
                insert into events (id, event_type_id, user_id, title, description, start_time, end_time, location, created_at, updated_at,
                                    calendar_number)
                select x.id, x.type, x.organizer, x.title, x.description, x.s, x.e, x.location, x.created, x.updated,
                       -- The organizer listing's key (V15); the first statement wrote the calendar's row.
                       (select c.number from calendars c where c.organizer_id = x.organizer)
                from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::text[],
                            $9::timestamptz[], $10::timestamptz[])
                     as x(organizer, id, type, title, description, s, e, location, created, updated)
                """,
                Arr(events, r => r.OrganizerId), Arr(events, r => r.Row.Id), Arr(events, r => r.Row.EventTypeId), Arr(events, r => r.Row.Title),
                Arr(events, r => r.Row.Description), Arr(events, r => r.Row.Start), Arr(events, r => r.Row.End), Arr(events, r => r.Row.Location),
                Arr(events, r => r.Row.CreatedAt), Arr(events, r => r.Row.UpdatedAt));
        }

        foreach (var c in all)
        {
            if (c.RemovedBlocks is { Count: > 0 } removed)
            {
                // After the inserts: a block made and removed within one batch is inserted, then deleted.
                Add(batch, "delete from events where user_id = $1 and id = any($2) and event_type_id is null", c.OrganizerId, removed.ToArray());
            }
        }

        var bookings = all.SelectMany(c => c.NewBookings.Select(b => (c.OrganizerId, Row: b))).ToList();
        if (bookings.Count > 0)
        {
            var b = bookings;
            Add(batch, """
                insert into bookings (id, event_id, user_id, organizer_id, event_type_id, status, start_time, end_time,
                                      created_at, updated_at, name, email, notes, cancellation_reason, cancelled_by,
                                      manage_token_hash, reminder_sent, buffer_before_minutes, buffer_after_minutes,
                                      idempotency_key, idempotency_fingerprint, idempotency_status, calendar_number)
                select x.id, x.event,
                       case when x.anonymous then (select u.id from users u where u.email_normalized = x.normalized) else x.booker end,
                       x.organizer, x.type, x.status, x.s, x.e, x.created, x.updated, x.name, x.email, x.notes, x.reason, x.cancelled_by,
                       x.token_hash, x.reminded, x.before, x.after, x.reply_key, x.reply_fingerprint, x.reply_status,
                       -- The exclusion constraint's key (V13); the first statement wrote the calendar's row.
                       (select c.number from calendars c where c.organizer_id = x.organizer)
                from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::bool[], $6::text[], $7::uuid[], $8::text[], $9::timestamptz[],
                            $10::timestamptz[], $11::timestamptz[], $12::timestamptz[], $13::text[], $14::text[], $15::text[],
                            $16::text[], $17::text[], $18::bytea[], $19::bool[], $20::int[], $21::int[], $22::text[], $23::bytea[], $24::text[])
                     as x(organizer, id, event, booker, anonymous, normalized, type, status, s, e, created, updated, name, email, notes,
                          reason, cancelled_by, token_hash, reminded, before, after, reply_key, reply_fingerprint, reply_status)
                returning id, user_id
                """,
                Arr(b, r => r.OrganizerId), Arr(b, r => r.Row.Id), Arr(b, r => r.Row.EventId), Arr(b, r => r.Row.UserId), Arr(b, r => r.Row.Anonymous),
                Arr(b, r => GrainKeys.NormalizeEmail(r.Row.Email)), Arr(b, r => r.Row.EventTypeId), Arr(b, r => r.Row.Status.ToString()),
                Arr(b, r => r.Row.Start), Arr(b, r => r.Row.End), Arr(b, r => r.Row.CreatedAt), Arr(b, r => r.Row.UpdatedAt),
                Arr(b, r => r.Row.Name), Arr(b, r => r.Row.Email), Arr(b, r => r.Row.Notes), Arr(b, r => r.Row.CancellationReason),
                Arr(b, r => StoredText.Of(r.Row.CancelledBy)), Arr(b, r => r.Row.ManageTokenHash), Arr(b, r => r.Row.ReminderSent),
                Arr(b, r => r.Row.BufferBeforeMinutes), Arr(b, r => r.Row.BufferAfterMinutes), Arr(b, r => r.Row.IdempotencyKey),
                Arr(b, r => r.Row.IdempotencyFingerprint), Arr(b, r => r.Row.IdempotencyStatus?.ToString()));
        }

        var notifications = all.SelectMany(c => c.Notifications.Select(n => (c.OrganizerId, Row: n))).ToList();
        if (notifications.Count > 0)
        {
            var n = notifications;
            Add(batch, """
                insert into notifications (id, user_id, message, sent_at, read_at, booking_id, kind, created_at, updated_at)
                select x.id, y.user_id, x.message, x.sent, null, x.booking, x.kind, x.sent, x.sent
                from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::timestamptz[])
                     as x(organizer, id, recipient, booking, message, kind, sent)
                cross join lateral (select coalesce(x.recipient, (select b.user_id from bookings b where b.id = x.booking)) as user_id) y
                -- An anonymous booking made with the organizer's own address: one notification, not two.
                where x.recipient is not null or y.user_id <> x.organizer
                """,
                Arr(n, r => r.OrganizerId), Arr(n, r => r.Row.Id), Arr(n, r => r.Row.UserId), Arr(n, r => r.Row.BookingId), Arr(n, r => r.Row.Message),
                Arr(n, r => StoredText.Of(r.Row.Kind)), Arr(n, r => r.Row.SentAt));
        }

        var changed = all.SelectMany(c => c.ChangedBookings.Select(b => (c.OrganizerId, Row: b))).ToList();
        if (changed.Count > 0)
        {
            var b = changed;
            Add(batch, """
                update bookings set status = x.status, updated_at = x.updated, cancellation_reason = x.reason,
                                    cancelled_by = x.cancelled_by, reminder_sent = x.reminded
                from unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::bool[])
                     as x(organizer, id, status, updated, reason, cancelled_by, reminded)
                where bookings.id = x.id and bookings.organizer_id = x.organizer
                """,
                Arr(b, r => r.OrganizerId), Arr(b, r => r.Row.Id), Arr(b, r => r.Row.Status.ToString()), Arr(b, r => r.Row.UpdatedAt),
                Arr(b, r => r.Row.CancellationReason), Arr(b, r => StoredText.Of(r.Row.CancelledBy)), Arr(b, r => r.Row.ReminderSent));
        }

        var replies = all.SelectMany(c => c.Replies.Select(r => (c.OrganizerId, Row: r))).ToList();
        if (replies.Count > 0)
        {
            var r = replies;
            // A key whose reply expired (older than the calendar keeps in memory) may still have a row
            // until the next prune: the new answer replaces it.
            Add(batch, """
                insert into idempotency_replies (organizer_id, key, fingerprint, outcome, booking_id, booking_status, reply, created_at)
                select x.organizer, x.key, x.fingerprint, x.outcome, x.booking, x.status, null, x.created
                from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::uuid[], $6::text[], $7::timestamptz[])
                     as x(organizer, key, fingerprint, outcome, booking, status, created)
                on conflict (organizer_id, key) do update set
                  fingerprint = excluded.fingerprint, outcome = excluded.outcome, booking_id = excluded.booking_id,
                  booking_status = excluded.booking_status, reply = null, created_at = excluded.created_at
                """,
                Arr(r, x => x.OrganizerId), Arr(r, x => x.Row.Key), Arr(r, x => x.Row.Fingerprint), Arr(r, x => x.Row.Kind.ToString()),
                Arr(r, x => x.Row.BookingId), Arr(r, x => x.Row.BookingStatus?.ToString()), Arr(r, x => x.Row.CreatedAt));
        }

        var prunes = all.Where(c => c.PruneRepliesBefore is not null).ToList();
        if (prunes.Count > 0)
        {
            Add(batch, """
                delete from idempotency_replies r
                using unnest($1::uuid[], $2::timestamptz[]) as x(organizer, cutoff)
                where r.organizer_id = x.organizer and r.created_at < x.cutoff
                """,
                Arr(prunes, c => c.OrganizerId), Arr(prunes, c => c.PruneRepliesBefore!.Value));
        }

        var versions = new long[all.Count];
        var users = new Dictionary<Guid, Guid>();
        try
        {
            await using var reader = await batch.ExecuteReaderAsync();
            for (var i = 0; i < versions.Length && await reader.ReadAsync(); i++) versions[i] = reader.GetInt64(0);
            // Only statements that return rows make result sets (Npgsql's NextResult skips the
            // others), so the bookings' RETURNING is found by its columns, not by its position.
            while (await reader.NextResultAsync())
            {
                if (reader.FieldCount != 2 || reader.GetName(0) != "id" || reader.GetName(1) != "user_id") continue;
                while (await reader.ReadAsync()) users[reader.GetGuid(0)] = reader.GetGuid(1);
            }
        }
        catch (PostgresException e) when (e.SqlState == VersionConflictState)
        {
            throw new CalendarVersionConflictException(e.MessageText, e);
        }

        var results = new Dictionary<CalendarCommit, CommitResult>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < all.Count; i++)
        {
            var own = all[i].NewBookings.Where(b => users.ContainsKey(b.Id)).ToDictionary(b => b.Id, b => users[b.Id]);
            results[all[i]] = new CommitResult(versions[i], own);
        }
        return commits.Select(c => results[c]).ToList();
    }

    /// <summary>One calendar's rarely changed rows: event types, weekly rules, date overrides.</summary>
    private static void AddSettings(NpgsqlBatch batch, CalendarCommit c)
    {
        if (c.EventTypes.Count > 0)
        {
            var t = c.EventTypes;
            Add(batch, """
                insert into event_types (id, user_id, title, description, duration_minutes, location, active,
                                         requires_confirmation, reminder_minutes, deleted, created_at, updated_at,
                                         slot_interval_minutes, buffer_before_minutes, buffer_after_minutes, minimum_notice_minutes,
                                         max_days_in_future, max_bookings_per_day, max_bookings_per_week, listed)
                select x.id, $1, x.title, x.description, x.duration, x.location, x.active, x.confirm, x.reminder, x.deleted, x.created, x.updated,
                       x.interval, x.before, x.after, x.notice, x.horizon, x.per_day, x.per_week, x.listed
                from unnest($2::uuid[], $3::text[], $4::text[], $5::int[], $6::text[], $7::bool[], $8::bool[], $9::int[],
                            $10::bool[], $11::timestamptz[], $12::timestamptz[], $13::int[], $14::int[], $15::int[], $16::int[],
                            $17::int[], $18::int[], $19::int[], $20::bool[])
                     as x(id, title, description, duration, location, active, confirm, reminder, deleted, created, updated,
                          interval, before, after, notice, horizon, per_day, per_week, listed)
                on conflict (id) do update set
                  title = excluded.title, description = excluded.description, duration_minutes = excluded.duration_minutes,
                  location = excluded.location, active = excluded.active, requires_confirmation = excluded.requires_confirmation,
                  reminder_minutes = excluded.reminder_minutes, deleted = excluded.deleted, updated_at = excluded.updated_at,
                  slot_interval_minutes = excluded.slot_interval_minutes, buffer_before_minutes = excluded.buffer_before_minutes,
                  buffer_after_minutes = excluded.buffer_after_minutes, minimum_notice_minutes = excluded.minimum_notice_minutes,
                  max_days_in_future = excluded.max_days_in_future, max_bookings_per_day = excluded.max_bookings_per_day,
                  max_bookings_per_week = excluded.max_bookings_per_week, listed = excluded.listed
                """,
                c.OrganizerId, Arr(t, r => r.Id), Arr(t, r => r.Title), Arr(t, r => r.Description), Arr(t, r => r.DurationMinutes),
                Arr(t, r => r.Location), Arr(t, r => r.Active), Arr(t, r => r.RequiresConfirmation), Arr(t, r => r.ReminderMinutes),
                Arr(t, r => r.Deleted), Arr(t, r => r.CreatedAt), Arr(t, r => r.UpdatedAt), Arr(t, r => r.SlotIntervalMinutes),
                Arr(t, r => r.BufferBeforeMinutes), Arr(t, r => r.BufferAfterMinutes), Arr(t, r => r.MinimumNoticeMinutes),
                Arr(t, r => r.MaxDaysInFuture), Arr(t, r => r.MaxBookingsPerDay), Arr(t, r => r.MaxBookingsPerWeek), Arr(t, r => r.Listed));
        }

        if (c.Availability is { } rules)
        {
            Add(batch, "delete from availability where user_id = $1", c.OrganizerId);
            if (rules.Count > 0)
            {
                Add(batch, """
                    insert into availability (id, user_id, day_of_week, start_time, end_time, created_at, updated_at)
                    select x.id, $1, x.day,
                           case when x.s >= 1440 then time '24:00' else time '00:00' + make_interval(mins => x.s) end,
                           case when x.e >= 1440 then time '24:00' else time '00:00' + make_interval(mins => x.e) end,
                           x.created, x.updated
                    from unnest($2::uuid[], $3::text[], $4::int[], $5::int[], $6::timestamptz[], $7::timestamptz[])
                         as x(id, day, s, e, created, updated)
                    """,
                    c.OrganizerId, Arr(rules, r => r.Id), Arr(rules, r => r.DayOfWeek.ToString()), Arr(rules, r => r.StartMinute),
                    Arr(rules, r => r.EndMinute), Arr(rules, r => r.CreatedAt), Arr(rules, r => r.UpdatedAt));
            }
        }

        if (c.OverrideDates is { Count: > 0 } dates)
        {
            // The changed dates' rows are replaced (their intervals go with them: on delete cascade).
            Add(batch, "delete from date_overrides where user_id = $1 and date = any($2)", c.OrganizerId, dates.ToArray());
            var overrides = c.Overrides ?? [];
            if (overrides.Count > 0)
            {
                Add(batch, """
                    insert into date_overrides (user_id, date, created_at, updated_at)
                    select $1, x.date, x.created, x.updated
                    from unnest($2::date[], $3::timestamptz[], $4::timestamptz[]) as x(date, created, updated)
                    """,
                    c.OrganizerId, Arr(overrides, o => o.Date), Arr(overrides, o => o.CreatedAt), Arr(overrides, o => o.UpdatedAt));
                var windows = overrides.SelectMany(o => o.Windows.Select(w => (o.Date, w.StartMinute, w.EndMinute))).ToList();
                if (windows.Count > 0)
                {
                    Add(batch, """
                        insert into date_override_intervals (user_id, date, start_time, end_time)
                        select $1, x.date,
                               case when x.s >= 1440 then time '24:00' else time '00:00' + make_interval(mins => x.s) end,
                               case when x.e >= 1440 then time '24:00' else time '00:00' + make_interval(mins => x.e) end
                        from unnest($2::date[], $3::int[], $4::int[]) as x(date, s, e)
                        """,
                        c.OrganizerId, Arr(windows, w => w.Date), Arr(windows, w => w.StartMinute), Arr(windows, w => w.EndMinute));
                }
            }
        }
    }

    internal static void Add(NpgsqlBatch batch, string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        batch.BatchCommands.Add(command);
    }

    private static T[] Arr<TRow, T>(IReadOnlyList<TRow> rows, Func<TRow, T> select)
    {
        var values = new T[rows.Count];
        for (var i = 0; i < values.Length; i++) values[i] = select(rows[i]);
        return values;
    }
}

/// <summary>
/// The text the tables (and the API, through the enums' JSON names) use for booking change kinds and
/// parties: "created", "confirmed", "cancelled", "reminder"; "organizer", "booker".
/// </summary>
internal static class StoredText
{
    public static string Of(BookingChangeKind kind) => kind switch
    {
        BookingChangeKind.Created => "created",
        BookingChangeKind.Confirmed => "confirmed",
        BookingChangeKind.Cancelled => "cancelled",
        BookingChangeKind.Reminder => "reminder",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static string Of(BookingParty party) => party switch
    {
        BookingParty.Organizer => "organizer",
        BookingParty.Booker => "booker",
        _ => throw new ArgumentOutOfRangeException(nameof(party)),
    };

    public static string? Of(BookingParty? party) => party is { } p ? Of(p) : null;

    /// <summary>Null for text no version wrote (a hand-edited row reads as "no kind", not as an error).</summary>
    public static BookingChangeKind? Kind(string text) =>
        Enum.TryParse<BookingChangeKind>(text, ignoreCase: true, out var kind) && Of(kind) == text ? kind : null;

    public static BookingParty? Party(string text) =>
        Enum.TryParse<BookingParty>(text, ignoreCase: true, out var party) && Of(party) == text ? party : null;
}
