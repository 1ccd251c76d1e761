using System.Buffers.Binary;
using System.Security.Cryptography;
using Microsoft.AspNetCore.WebUtilities;

namespace Scheduler.Web.Hosting;

/// <summary>
/// Device cookies (OWASP's defence against lockout by strangers): a browser that signed in to an
/// account, or reset its password, keeps an HttpOnly cookie naming that account and a random device
/// id, MACed with a key derived from the service's signing key (so every front end accepts it). A
/// sign-in that presents a valid cookie for its account counts its failures against that device only;
/// everyone else shares the account's limit. Someone guessing (or deliberately failing) a password
/// from elsewhere thus locks out only other unknown devices, never the owner's own browser.
/// </summary>
public sealed class SignInDevices(SigningKeys keys, TimeProvider clock)
{
    public const string CookieName = "scheduler-device";

    /// <summary>Only the sign-in endpoint reads it.</summary>
    public const string CookiePath = "/api/auth/token";

    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(30);

    private const byte Version = 1;
    private const int PayloadBytes = 1 + 16 + 16 + 8;
    private const int MacBytes = 32;

    private byte[]? _key;

    private byte[] Key => _key ??= HKDF.DeriveKey(HashAlgorithmName.SHA256, keys.Key.Key, 32, info: "scheduler device cookie v1"u8.ToArray());

    /// <summary>The device id in the request's cookie if the cookie is genuine, unexpired and names <paramref name="userId"/>.</summary>
    public Guid? Recognise(HttpContext http, Guid userId)
    {
        if (!http.Request.Cookies.TryGetValue(CookieName, out var value) || string.IsNullOrEmpty(value) || value.Length > 200) return null;
        byte[] bytes;
        try { bytes = WebEncoders.Base64UrlDecode(value); }
        catch (FormatException) { return null; }
        if (bytes.Length != PayloadBytes + MacBytes || bytes[0] != Version) return null;
        var expected = HMACSHA256.HashData(Key, bytes.AsSpan(0, PayloadBytes));
        if (!CryptographicOperations.FixedTimeEquals(expected, bytes.AsSpan(PayloadBytes))) return null;
        if (new Guid(bytes.AsSpan(1, 16), bigEndian: true) != userId) return null;
        var expires = DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(33, 8)));
        if (expires <= clock.GetUtcNow()) return null;
        return new Guid(bytes.AsSpan(17, 16), bigEndian: true);
    }

    /// <summary>Gives the browser a cookie for the account (a new device id unless it already had one), valid for <see cref="Lifetime"/>.</summary>
    public void Remember(HttpContext http, Guid userId, Guid? device = null)
    {
        var expires = clock.GetUtcNow() + Lifetime;
        var bytes = new byte[PayloadBytes + MacBytes];
        bytes[0] = Version;
        userId.TryWriteBytes(bytes.AsSpan(1, 16), bigEndian: true, out _);
        (device ?? Guid.NewGuid()).TryWriteBytes(bytes.AsSpan(17, 16), bigEndian: true, out _);
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(33, 8), expires.ToUnixTimeSeconds());
        HMACSHA256.HashData(Key, bytes.AsSpan(0, PayloadBytes), bytes.AsSpan(PayloadBytes));
        http.Response.Cookies.Append(CookieName, WebEncoders.Base64UrlEncode(bytes), new CookieOptions
        {
            HttpOnly = true,
            Secure = http.Request.IsHttps,
            SameSite = SameSiteMode.Strict,
            Path = CookiePath,
            Expires = expires,
            IsEssential = true,
        });
    }
}
