using System.Security.Cryptography;
using Microsoft.AspNetCore.WebUtilities;

namespace Scheduler.Web.Mail;

/// <summary>
/// The secrets that mailed links carry (address verification, password reset): the user's id, so any
/// front end can route the token to the user's grain, then 256 random bits; base64url, 64 characters.
/// Only their SHA-256 is stored.
/// </summary>
internal static class MailedTokens
{
    private const int SecretBytes = 32;

    /// <summary>A new token for the user, and the hash to store.</summary>
    public static (string Token, byte[] Hash) New(Guid userId)
    {
        var token = new byte[16 + SecretBytes];
        userId.TryWriteBytes(token.AsSpan(0, 16), bigEndian: true, out _);
        RandomNumberGenerator.Fill(token.AsSpan(16));
        return (WebEncoders.Base64UrlEncode(token), SHA256.HashData(token));
    }

    /// <summary>The user a token names and the hash to look it up by; false when it is malformed.</summary>
    public static bool TryRead(string? token, out Guid userId, out byte[] hash)
    {
        userId = Guid.Empty;
        hash = [];
        if (string.IsNullOrEmpty(token) || token.Length > 100) return false;
        byte[] bytes;
        try { bytes = WebEncoders.Base64UrlDecode(token); }
        catch (FormatException) { return false; }
        if (bytes.Length != 16 + SecretBytes) return false;
        userId = new Guid(bytes.AsSpan(0, 16), bigEndian: true);
        hash = SHA256.HashData(bytes);
        return true;
    }
}
