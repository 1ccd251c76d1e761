using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Scheduler.Storage;

/// <summary>A user row with whether (and with which hash) they can sign in.</summary>
public sealed record UserRow(
    Guid Id, string Name, string Email, string TimeZone, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string? PasswordHash,
    DateTimeOffset? EmailVerifiedAt, DateTimeOffset? TokensValidAfter = null)
{
    /// <summary>
    /// Whether this account has proved it owns its address, and so counts as the booker of what was
    /// booked with it (bookings made anonymously before or after it signed up included).
    /// </summary>
    public bool IsVerified => PasswordHash is not null && EmailVerifiedAt is not null;

    public UserProfile ToProfile() => new(Id, Name, Email, TimeZone, PasswordHash is not null, CreatedAt, UpdatedAt, IsVerified);
}

/// <summary>Users and their credentials (kept in their own table: a query over users never sees a hash).</summary>
public sealed class UserStore(NpgsqlDataSource db)
{
    private const string Select = """
        select u.id, u.name, u.email, u.time_zone, u.created_at, u.updated_at, c.password_hash, u.email_verified_at, u.tokens_valid_after
        from users u left join credentials c on c.user_id = u.id
        """;

    public async Task<UserRow?> Get(Guid id)
    {
        await using var command = db.CreateCommand(Select + " where u.id = $1");
        command.Parameters.Add(new() { Value = id });
        return await ReadOne(command);
    }

    public async Task<UserRow?> FindByEmail(string email)
    {
        await using var command = db.CreateCommand(Select + " where u.email_normalized = $1");
        command.Parameters.Add(new() { Value = GrainKeys.NormalizeEmail(email) });
        return await ReadOne(command);
    }

    /// <summary>
    /// Creates the user (or gives an existing password-less user a profile and password) in one
    /// transaction. Returns null when the address already belongs to a user who has a password.
    /// </summary>
    public async Task<UserRow?> Register(Guid id, string name, string email, string timeZone, string passwordHash, DateTimeOffset now)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand("""
            insert into users (id, name, email, time_zone, created_at, updated_at, has_password, email_normalized)
            values ($1, $2, $3, $4, $5, $5, false, $6)
            on conflict do nothing
            """, connection, transaction))
        {
            insert.Parameters.Add(new() { Value = id });
            insert.Parameters.Add(new() { Value = name });
            insert.Parameters.Add(new() { Value = email });
            insert.Parameters.Add(new() { Value = timeZone });
            insert.Parameters.Add(new() { Value = now });
            insert.Parameters.Add(new() { Value = GrainKeys.NormalizeEmail(email) });
            await insert.ExecuteNonQueryAsync();
        }
        // Whoever holds the address now (us, or a booker created by a calendar a moment ago), locked
        // for the update below. NO KEY UPDATE, as the update changes no key: a calendar's commit
        // holding a foreign-key lock on this row (its organizer's) never waits for us, nor we for it.
        Guid userId;
        await using (var owner = new NpgsqlCommand(
            "select id from users where email_normalized = $1 for no key update", connection, transaction))
        {
            owner.Parameters.Add(new() { Value = GrainKeys.NormalizeEmail(email) });
            userId = (Guid)(await owner.ExecuteScalarAsync())!;
        }
        await using (var credentials = new NpgsqlCommand("""
            insert into credentials (user_id, password_hash, created_at, updated_at) values ($1, $2, $3, $3)
            on conflict (user_id) do nothing
            """, connection, transaction))
        {
            credentials.Parameters.Add(new() { Value = userId });
            credentials.Parameters.Add(new() { Value = passwordHash });
            credentials.Parameters.Add(new() { Value = now });
            if (await credentials.ExecuteNonQueryAsync() == 0)
            {
                await transaction.RollbackAsync();
                return null;
            }
        }
        await using (var profile = new NpgsqlCommand("""
            update users set name = $2, time_zone = $3, has_password = true, updated_at = $4, email = $5 where id = $1
            """, connection, transaction))
        {
            // The address as the account holder writes it (a booker may have typed it in other case):
            // the account's mail goes there.
            profile.Parameters.Add(new() { Value = userId });
            profile.Parameters.Add(new() { Value = name });
            profile.Parameters.Add(new() { Value = timeZone });
            profile.Parameters.Add(new() { Value = now });
            profile.Parameters.Add(new() { Value = email });
            await profile.ExecuteNonQueryAsync();
        }
        await transaction.CommitAsync();
        return await Get(userId);
    }

    /// <summary>Changes name and/or zone (nulls keep the current value).</summary>
    public async Task<UserRow?> Update(Guid id, string? name, string? timeZone, DateTimeOffset now)
    {
        await using var command = db.CreateCommand("""
            update users set name = coalesce($2, name), time_zone = coalesce($3, time_zone), updated_at = $4 where id = $1
            """);
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = (object?)name ?? DBNull.Value });
        command.Parameters.Add(new() { Value = (object?)timeZone ?? DBNull.Value });
        command.Parameters.Add(new() { Value = now });
        await command.ExecuteNonQueryAsync();
        return await Get(id);
    }

    /// <summary>
    /// Replaces the password hash if it is still <paramref name="expectedHash"/> (the one the current
    /// password was checked against), and ends every token issued before, in one statement. False when
    /// the password changed meanwhile (a reset, another change): nothing is written, the name and zone
    /// (null: unchanged) included.
    /// </summary>
    public async Task<bool> ChangePassword(Guid id, string expectedHash, string passwordHash, DateTimeOffset now, string? name = null, string? timeZone = null)
    {
        await using var command = db.CreateCommand("""
            with changed as (
              update credentials set password_hash = $3, updated_at = $4 where user_id = $1 and password_hash = $2
              returning user_id),
            -- The calendar feed ends with the tokens (also by its time: a feed made before tokens_valid_after).
            feed as (delete from calendar_feeds f using changed where f.user_id = changed.user_id)
            update users u set tokens_valid_after = greatest(u.tokens_valid_after, $4), updated_at = $4,
              name = coalesce($5, u.name), time_zone = coalesce($6, u.time_zone)
            from changed where u.id = changed.user_id
            """);
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = expectedHash });
        command.Parameters.Add(new() { Value = passwordHash });
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = (object?)name ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)timeZone ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        return await command.ExecuteNonQueryAsync() == 1;
    }

    /// <summary>Keeps a verification secret's hash for an account whose address is not verified yet.</summary>
    public async Task<bool> AddVerification(Guid id, byte[] tokenHash, DateTimeOffset now, DateTimeOffset expiresAt)
    {
        await using var command = db.CreateCommand("""
            insert into email_verifications (token_hash, user_id, email_normalized, created_at, expires_at)
            select $2, u.id, u.email_normalized, $3, $4 from users u
            where u.id = $1 and u.email_verified_at is null and exists (select 1 from credentials c where c.user_id = u.id)
              -- However often the account asks: one mail a minute, and at most five links alive.
              and not exists (select 1 from email_verifications v where v.user_id = u.id and v.created_at > $3 - interval '1 minute')
              and (select count(*) from email_verifications v where v.user_id = u.id and v.expires_at > $3) < 5
            on conflict do nothing
            """);
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = tokenHash });
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = expiresAt });
        return await command.ExecuteNonQueryAsync() == 1;
    }

    /// <summary>
    /// How long until <see cref="AddVerification"/> would take a new link for the account: the minute
    /// since its last link, or, with five links alive, until the oldest expires. Null when there is no wait.
    /// </summary>
    public async Task<TimeSpan?> VerificationWait(Guid id, DateTimeOffset now)
    {
        await using var command = db.CreateCommand("""
            select greatest(
              (select max(created_at) + interval '1 minute' from email_verifications where user_id = $1),
              case when (select count(*) from email_verifications where user_id = $1 and expires_at > $2) >= 5
                   then (select min(expires_at) from email_verifications where user_id = $1 and expires_at > $2) end)
            """);
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = now });
        return await command.ExecuteScalarAsync() is DateTime next && next > now.UtcDateTime ? next - now.UtcDateTime : null;
    }

    /// <summary>
    /// Uses up a verification secret in one statement (so two clicks of one link cannot both count):
    /// it must be this user's, unused, unexpired, and mailed to the address the user still holds.
    /// True when the address is verified by it.
    /// </summary>
    public async Task<bool> Verify(Guid id, byte[] tokenHash, DateTimeOffset now)
    {
        await using var command = db.CreateCommand("""
            with used as (
              update email_verifications set used_at = $3
              where token_hash = $2 and user_id = $1 and used_at is null and expires_at > $3
              returning email_normalized)
            update users u set email_verified_at = coalesce(u.email_verified_at, $3), updated_at = $3
            from used where u.id = $1 and u.email_normalized = used.email_normalized
            """);
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = tokenHash });
        command.Parameters.Add(new() { Value = now });
        return await command.ExecuteNonQueryAsync() == 1;
    }

    /// <summary>
    /// Keeps a password-reset secret's hash for an account (a user with a password), mailed to the
    /// address it holds now; false when there is no account, or when the account's last link is younger
    /// than <see cref="PasswordReset.MailInterval"/> or <see cref="PasswordReset.MailsPerLifetime"/>
    /// links have not expired yet (used or not): however many ask, an address gets one reset mail a
    /// minute and three an hour. Expired links are pruned here.
    /// </summary>
    public async Task<bool> AddPasswordReset(Guid id, byte[] tokenHash, DateTimeOffset now, DateTimeOffset expiresAt)
    {
        await using var batch = db.CreateBatch();
        PostgresCalendarStore.Add(batch, "delete from password_resets where user_id = $1 and expires_at <= $2", id, now);
        PostgresCalendarStore.Add(batch, """
            insert into password_resets (token_hash, user_id, email_normalized, created_at, expires_at)
            select $2, u.id, u.email_normalized, $3, $4 from users u
            where u.id = $1 and exists (select 1 from credentials c where c.user_id = u.id)
              and not exists (select 1 from password_resets p where p.user_id = u.id and p.created_at > $5)
              and (select count(*) from password_resets p where p.user_id = u.id and p.expires_at > $3) < $6
            on conflict do nothing
            """, id, tokenHash, now, expiresAt, now - PasswordReset.MailInterval, PasswordReset.MailsPerLifetime);
        await batch.ExecuteNonQueryAsync();
        return batch.BatchCommands[1].RecordsAffected == 1;
    }

    /// <summary>
    /// Uses up a password-reset secret and sets the new password hash, in one transaction: the secret
    /// must be this user's, unused, unexpired, and mailed to the address the user still holds. Following
    /// the link proves the address, so it is verified too; every token issued before ends, and the
    /// account's other reset links with them. Returns the row as it now is; null (nothing changed) when the secret does not count.
    /// </summary>
    public async Task<UserRow?> ResetPassword(Guid id, byte[] tokenHash, string passwordHash, DateTimeOffset now)
    {
        // One statement: every part runs or none does, and the account's other links end only when
        // this one counted (greatest: a clock step back never revives tokens a later sign-out ended).
        await using var command = db.CreateCommand("""
            with used as (
              update password_resets set used_at = $3
              where token_hash = $2 and user_id = $1 and used_at is null and expires_at > $3
              returning email_normalized),
            owner as (
              update users u set email_verified_at = coalesce(u.email_verified_at, $3),
                                 tokens_valid_after = greatest(u.tokens_valid_after, $3), updated_at = $3
              from used where u.id = $1 and u.email_normalized = used.email_normalized
              returning u.id, u.name, u.email, u.time_zone, u.created_at, u.updated_at, u.email_verified_at, u.tokens_valid_after),
            changed as (
              update credentials c set password_hash = $4, updated_at = $3 from owner where c.user_id = owner.id
              returning c.user_id, c.password_hash),
            others as (
              delete from password_resets p
              where p.user_id = $1 and p.token_hash <> $2 and exists (select 1 from changed)),
            -- The calendar feed ends with the tokens (also by its time: a feed made before tokens_valid_after).
            feed as (delete from calendar_feeds f where f.user_id = $1 and exists (select 1 from changed))
            -- The row as it now is (no second read that could fail after the commit).
            select o.id, o.name, o.email, o.time_zone, o.created_at, o.updated_at, c.password_hash, o.email_verified_at, o.tokens_valid_after
            from owner o join changed c on c.user_id = o.id
            """);
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = tokenHash });
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = passwordHash });
        return await ReadOne(command);
    }

    /// <summary>Ends every token issued before <paramref name="now"/> ("sign out everywhere").</summary>
    public async Task<UserRow?> RevokeAllTokens(Guid id, DateTimeOffset now)
    {
        await using var command = db.CreateCommand("""
            with feed as (delete from calendar_feeds where user_id = $1)
            update users set tokens_valid_after = greatest(tokens_valid_after, $2) where id = $1
            """);
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = now });
        await command.ExecuteNonQueryAsync();
        return await Get(id);
    }

    /// <summary>Ends one token (kept until it would have expired anyway; older entries are pruned here).</summary>
    public async Task RevokeToken(Guid id, Guid tokenId, DateTimeOffset expiresAt, DateTimeOffset now)
    {
        await using var batch = db.CreateBatch();
        PostgresCalendarStore.Add(batch, "insert into revoked_tokens (token_id, user_id, expires_at) values ($1, $2, $3) on conflict do nothing",
            tokenId, id, expiresAt);
        PostgresCalendarStore.Add(batch, "delete from revoked_tokens where user_id = $1 and expires_at < $2", id, now);
        await batch.ExecuteNonQueryAsync();
    }

    public async Task<HashSet<Guid>> RevokedTokens(Guid id, DateTimeOffset now)
    {
        await using var command = db.CreateCommand("select token_id from revoked_tokens where user_id = $1 and expires_at >= $2");
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = now });
        var ids = new HashSet<Guid>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) ids.Add(reader.GetGuid(0));
        return ids;
    }

    /// <summary>The user's calendar feed (the SHA-256 of its secret and when it was made), if any.</summary>
    public async Task<(byte[] TokenHash, DateTimeOffset CreatedAt)?> GetCalendarFeed(Guid id)
    {
        await using var command = db.CreateCommand("select token_hash, created_at from calendar_feeds where user_id = $1");
        command.Parameters.Add(new() { Value = id });
        await using var r = await command.ExecuteReaderAsync();
        return await r.ReadAsync() ? (r.GetFieldValue<byte[]>(0), r.GetFieldValue<DateTimeOffset>(1)) : null;
    }

    /// <summary>
    /// Makes <paramref name="tokenHash"/> the user's calendar feed secret, replacing any earlier one, if
    /// the password hash is still <paramref name="passwordHash"/>; false (nothing written) when it is not.
    /// </summary>
    public async Task<bool> SetCalendarFeed(Guid id, byte[] tokenHash, string passwordHash, DateTimeOffset now)
    {
        await using var command = db.CreateCommand("""
            insert into calendar_feeds (user_id, token_hash, created_at)
            select $1, $2, $3 from credentials c where c.user_id = $1 and c.password_hash = $4
            on conflict (user_id) do update set token_hash = excluded.token_hash, created_at = excluded.created_at
            """);
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = tokenHash });
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = passwordHash });
        return await command.ExecuteNonQueryAsync() == 1;
    }

    /// <summary>Ends the user's calendar feed; false when there was none.</summary>
    public async Task<bool> DeleteCalendarFeed(Guid id)
    {
        await using var command = db.CreateCommand("delete from calendar_feeds where user_id = $1");
        command.Parameters.Add(new() { Value = id });
        return await command.ExecuteNonQueryAsync() > 0;
    }

    private static async Task<UserRow?> ReadOne(NpgsqlCommand command)
    {
        await using var r = await command.ExecuteReaderAsync();
        if (!await r.ReadAsync()) return null;
        return new UserRow(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3),
            r.GetFieldValue<DateTimeOffset>(4), r.GetFieldValue<DateTimeOffset>(5), r.IsDBNull(6) ? null : r.GetString(6),
            r.IsDBNull(7) ? null : r.GetFieldValue<DateTimeOffset>(7), r.IsDBNull(8) ? null : r.GetFieldValue<DateTimeOffset>(8));
    }
}

/// <summary>
/// User ids derived from normalized email addresses with a keyed hash (HMAC-SHA256 under a secret
/// generated once per deployment), so every calendar and sign-up that meets a new address computes
/// the same id without asking anyone, and nobody outside can compute an address's id.
/// </summary>
public sealed class UserIds(NpgsqlDataSource db)
{
    private byte[]? _key;
    private readonly SemaphoreSlim _loading = new(1, 1);

    public ValueTask<Guid> ForEmail(string email) =>
        _key is { } key ? ValueTask.FromResult(Derive(key, email)) : new ValueTask<Guid>(LoadAndDerive(email));

    public static Guid Derive(byte[] key, string email)
    {
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(GrainKeys.NormalizeEmail(email)), mac);
        var bytes = mac[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80); // RFC 9562 version 8 (custom)
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 9562 variant
        return new Guid(bytes, bigEndian: true);
    }

    private async Task<Guid> LoadAndDerive(string email)
    {
        await _loading.WaitAsync();
        try
        {
            // A creator racing us commits between our insert and our read: the next round reads its key.
            for (var round = 0; _key is null && round < 3; round++)
            {
                await using var command = db.CreateCommand("""
                    with created as (
                      insert into scheduler_secrets (name, secret) values ('user-ids', $1) on conflict (name) do nothing returning secret)
                    select secret from created union all select secret from scheduler_secrets where name = 'user-ids' limit 1
                    """);
                command.Parameters.Add(new() { Value = RandomNumberGenerator.GetBytes(32) });
                _key = await command.ExecuteScalarAsync() as byte[];
            }
            if (_key is null) throw new RetryLaterException("The user-id key could not be read; retry.");
        }
        finally
        {
            _loading.Release();
        }
        return Derive(_key, email);
    }
}
