using Npgsql;

namespace Scheduler.Storage;

/// <summary>
/// A user's notifications, straight from the table the calendars write them into (in the same
/// transaction as the decision they report): no per-user document, no cap, nothing dropped.
/// </summary>
public sealed class NotificationStore(NpgsqlDataSource db)
{
    private const string Columns = "id, user_id, message, sent_at, read_at, booking_id, kind";

    /// <summary>
    /// Which of user $1's notifications they may see: all once their account has verified its address;
    /// before that only those about their own calendar. A booker's notifications went to the users row
    /// holding the address, which a sign-up does not prove it owns.
    /// </summary>
    private const string Visible = """
        (exists (select 1 from users u where u.id = $1 and u.email_verified_at is not null)
         or booking_id is null
         or exists (select 1 from bookings b where b.id = notifications.booking_id and b.organizer_id = $1))
        """;

    public async Task<NotificationPage> List(Guid userId, int limit, NotificationCursor? before)
    {
        await using var command = db.CreateCommand();
        command.Parameters.Add(new() { Value = userId });
        var where = "user_id = $1 and " + Visible;
        if (before is not null)
        {
            command.Parameters.Add(new() { Value = before.SentAt });
            command.Parameters.Add(new() { Value = before.Id });
            where += " and (sent_at, id) < ($2, $3)";
        }
        command.Parameters.Add(new() { Value = limit + 1 });
        command.CommandText = $"select {Columns} from notifications where {where} order by sent_at desc, id desc limit ${command.Parameters.Count}";
        var items = new List<NotificationView>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) items.Add(Read(reader));
        var hasMore = items.Count > limit;
        if (hasMore) items.RemoveAt(items.Count - 1);
        return new NotificationPage(items, hasMore);
    }

    public async Task<NotificationView?> MarkRead(Guid userId, Guid notificationId, DateTimeOffset now)
    {
        // The primary key is (user_id, sent_at, id). Calendars give each notification a UUIDv7 id made
        // from its sent_at, so the id says within a millisecond when it was sent: the update touches one
        // entry of the index, not the user's whole range. Ids that are not UUIDv7 (rows migrated from
        // an older version) and unknown ids take the user's range.
        if (SentAtOf(notificationId) is { } sent && await MarkRead(userId, notificationId, now, sent) is { } found) return found;
        return await MarkRead(userId, notificationId, now, null);
    }

    private async Task<NotificationView?> MarkRead(Guid userId, Guid notificationId, DateTimeOffset now, DateTimeOffset? sentAbout)
    {
        // Idempotent: the first read time stays.
        var near = sentAbout is null ? "" : "and sent_at >= $4 and sent_at < $5";
        await using var command = db.CreateCommand($"""
            update notifications set read_at = coalesce(read_at, $3), updated_at = case when read_at is null then $3 else updated_at end
            where user_id = $1 and id = $2 {near} and {Visible}
            returning {Columns}
            """);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = notificationId });
        command.Parameters.Add(new() { Value = now });
        if (sentAbout is { } sent)
        {
            command.Parameters.Add(new() { Value = sent });
            command.Parameters.Add(new() { Value = sent.AddMilliseconds(2) });
        }
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? Read(reader) : null;
    }

    /// <summary>The millisecond a UUIDv7 was made in (its first 48 bits); null for other versions.</summary>
    internal static DateTimeOffset? SentAtOf(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        if (bytes[6] >> 4 != 7) return null;
        long ms = 0;
        for (var i = 0; i < 6; i++) ms = (ms << 8) | bytes[i];
        // The last two milliseconds a DateTimeOffset holds have no room for MarkRead's window after them.
        return ms > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds() - 2 ? null : DateTimeOffset.FromUnixTimeMilliseconds(ms);
    }

    public async Task<int> UnreadCount(Guid userId)
    {
        await using var command = db.CreateCommand($"select count(*)::int from notifications where user_id = $1 and read_at is null and {Visible}");
        command.Parameters.Add(new() { Value = userId });
        return (int)(await command.ExecuteScalarAsync())!;
    }

    private static NotificationView Read(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetGuid(1), r.GetString(2), r.GetFieldValue<DateTimeOffset>(3),
        r.IsDBNull(4) ? null : r.GetFieldValue<DateTimeOffset>(4), r.IsDBNull(5) ? null : r.GetGuid(5),
        r.IsDBNull(6) ? null : StoredText.Kind(r.GetString(6)));
}
