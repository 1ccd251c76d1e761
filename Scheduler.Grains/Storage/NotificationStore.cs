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
        // Idempotent: the first read time stays.
        await using var command = db.CreateCommand($"""
            update notifications set read_at = coalesce(read_at, $3), updated_at = case when read_at is null then $3 else updated_at end
            where user_id = $1 and id = $2 and {Visible}
            returning {Columns}
            """);
        command.Parameters.Add(new() { Value = userId });
        command.Parameters.Add(new() { Value = notificationId });
        command.Parameters.Add(new() { Value = now });
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? Read(reader) : null;
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
