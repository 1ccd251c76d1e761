using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace Scheduler.Web.Hosting;

/// <summary>
/// Device cookies (OWASP's defence against lockout by strangers): a browser that signed in to an
/// account, or reset its password, keeps an HttpOnly cookie naming that account, a random device id and
/// a stamp of the account's password at the time, MACed with a key derived from the service's signing
/// key (so every front end accepts it). A sign-in that presents a valid cookie for its account counts
/// its failures against that device only; everyone else shares the account's limit. Someone guessing
/// (or deliberately failing) a password from elsewhere thus locks out only other unknown devices, never
/// the owner's own browser. A new password (changed or reset) ends every earlier cookie of the account:
/// only whoever knows the current password can hold one, so cookies never add guesses.
/// </summary>
public sealed class SignInDevices(SigningKeys keys, TimeProvider clock)
{
    /// <summary>Each account's cookie is named apart (<c>scheduler-device-</c> and 16 hex digits), so one browser remembers several.</summary>
    public const string CookiePrefix = "scheduler-device-";

    /// <summary>Only the sign-in endpoint reads it.</summary>
    public const string CookiePath = "/api/auth/token";

    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(30);

    private const byte Version = 2;
    private const int StampBytes = 16;
    // version, user id, device id, expiry (Unix seconds), password stamp
    private const int PayloadBytes = 1 + 16 + 16 + 8 + StampBytes;
    private const int MacBytes = 32;

    private byte[]? _key;

    private byte[] Key => _key ??= HKDF.DeriveKey(HashAlgorithmName.SHA256, keys.Key.Key, 32, info: "scheduler device cookie v2"u8.ToArray());

    /// <summary>The cookie's name for the account: derived from its id under the service's key (it does not show the id).</summary>
    public string CookieName(Guid userId) =>
        CookiePrefix + Convert.ToHexStringLower(HMACSHA256.HashData(Key, userId.ToByteArray())[..8]);

    /// <summary>
    /// The device id in the request's cookie for <paramref name="userId"/>, if the cookie is genuine,
    /// unexpired, and was given while <paramref name="passwordHash"/> was the account's password.
    /// </summary>
    public Guid? Recognise(HttpContext http, Guid userId, string passwordHash)
    {
        if (!http.Request.Cookies.TryGetValue(CookieName(userId), out var value) || string.IsNullOrEmpty(value) || value.Length > 200) return null;
        byte[] bytes;
        try { bytes = WebEncoders.Base64UrlDecode(value); }
        catch (FormatException) { return null; }
        if (bytes.Length != PayloadBytes + MacBytes || bytes[0] != Version) return null;
        var expected = HMACSHA256.HashData(Key, bytes.AsSpan(0, PayloadBytes));
        if (!CryptographicOperations.FixedTimeEquals(expected, bytes.AsSpan(PayloadBytes))) return null;
        if (new Guid(bytes.AsSpan(1, 16), bigEndian: true) != userId) return null;
        var expires = DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(33, 8)));
        if (expires <= clock.GetUtcNow()) return null;
        if (!CryptographicOperations.FixedTimeEquals(Stamp(passwordHash), bytes.AsSpan(41, StampBytes))) return null;
        return new Guid(bytes.AsSpan(17, 16), bigEndian: true);
    }

    /// <summary>
    /// Gives the browser a cookie for the account under its current password (a new device id unless
    /// it already had one), valid for <see cref="Lifetime"/>.
    /// </summary>
    public void Remember(HttpContext http, Guid userId, string passwordHash, Guid? device = null)
    {
        var expires = clock.GetUtcNow() + Lifetime;
        var bytes = new byte[PayloadBytes + MacBytes];
        bytes[0] = Version;
        userId.TryWriteBytes(bytes.AsSpan(1, 16), bigEndian: true, out _);
        (device ?? Guid.NewGuid()).TryWriteBytes(bytes.AsSpan(17, 16), bigEndian: true, out _);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(33, 8), expires.ToUnixTimeSeconds());
        Stamp(passwordHash).CopyTo(bytes.AsSpan(41, StampBytes));
        HMACSHA256.HashData(Key, bytes.AsSpan(0, PayloadBytes), bytes.AsSpan(PayloadBytes));
        http.Response.Cookies.Append(CookieName(userId), WebEncoders.Base64UrlEncode(bytes), new CookieOptions
        {
            HttpOnly = true,
            // Behind a TLS-terminating proxy this needs its X-Forwarded-Proto (SCHEDULER_TRUSTED_PROXIES).
            Secure = http.Request.IsHttps,
            SameSite = SameSiteMode.Strict,
            Path = CookiePath,
            Expires = expires,
            IsEssential = true,
        });
    }

    /// <summary>Which password the cookie was given under: a keyed digest of its hash (the hash itself never leaves the server).</summary>
    private byte[] Stamp(string passwordHash) =>
        HMACSHA256.HashData(Key, Encoding.UTF8.GetBytes("password " + passwordHash))[..StampBytes];
}
