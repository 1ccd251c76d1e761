namespace Scheduler.Calendar;

/// <summary>
/// Idempotency-Key fingerprints (hex of a SHA-256 prefix, made by the front end). Front ends before
/// 2026-11-29 sent the whole hash (64 hex digits), now they send 128 bits (32): a replay is the
/// same request when one fingerprint starts with the other, so keys used across the upgrade still
/// replay instead of answering "different request".
/// </summary>
public static class Fingerprints
{
    public static bool Same(string? stored, string? request)
    {
        if (stored is null || request is null) return stored == request;
        if (stored.Length == request.Length) return string.Equals(stored, request, StringComparison.Ordinal);
        var (shorter, longer) = stored.Length < request.Length ? (stored, request) : (request, stored);
        return shorter.Length == 32 && longer.Length == 64 && longer.StartsWith(shorter, StringComparison.Ordinal);
    }
}
