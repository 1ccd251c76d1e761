using System.Globalization;
using System.Net.Mail;
using NodaTime;
using NodaTime.Text;

namespace Scheduler.Web.Hosting;

/// <summary>Collects field errors for one request; empty means valid.</summary>
public sealed class Validator
{
    // Calendar arithmetic (a day either side, zone transitions) must never leave the representable range.
    public const int MinYear = 1900;
    public const int MaxYear = 9000;

    private readonly Dictionary<string, List<string>> _errors = [];

    public bool IsValid => _errors.Count == 0;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list)) _errors[field] = list = [];
        list.Add(message);
    }

    /// <summary>The domain's or the calendar's field errors, as they named them.</summary>
    public void Add(IEnumerable<Scheduler.Domain.FieldError> errors)
    {
        foreach (var error in errors) Add(error.Field, error.Message);
    }

    public void Add(IEnumerable<InvalidField> errors)
    {
        foreach (var error in errors) Add(error.Field, error.Message);
    }

    public IDictionary<string, string[]> Errors => _errors.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());

    public string? RequiredText(string field, string? value, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value)) { Add(field, "Required."); return null; }
        return Text(field, value, maxLength);
    }

    public string? Text(string field, string? value, int maxLength)
    {
        if (value is null) return null;
        var trimmed = value.Trim();
        if (trimmed.Length > maxLength) { Add(field, $"At most {maxLength} characters."); return null; }
        if (!IsStorable(trimmed)) { Add(field, StorableMessage); return null; }
        return trimmed;
    }

    private const string StorableMessage = "Contains a character that cannot be stored (U+0000 or an unpaired surrogate).";

    /// <summary>
    /// Whether PostgreSQL can store the text: no U+0000 (text columns refuse it) and no unpaired
    /// UTF-16 surrogate (not encodable as UTF-8). Refused here, before any decision, so one
    /// booker's input can never fail a whole group commit.
    /// </summary>
    public static bool IsStorable(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0') return false;
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1])) return false;
                i++;
            }
            else if (char.IsLowSurrogate(c))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// A new password: 8 to <see cref="Passwords.MaxLength"/> characters, not only whitespace or
    /// control characters, not one of the most common passwords (<see cref="Passwords.IsCommon"/>).
    /// </summary>
    public string? NewPassword(string field, string? value)
    {
        if (value is null || value.Length < Passwords.MinLength) { Add(field, $"At least {Passwords.MinLength} characters."); return null; }
        if (value.Length > Passwords.MaxLength) { Add(field, $"At most {Passwords.MaxLength} characters."); return null; }
        if (value.All(c => char.IsWhiteSpace(c) || char.IsControl(c))) { Add(field, "Must contain letters, digits or symbols, not only spaces or control characters."); return null; }
        if (Passwords.IsCommon(value)) { Add(field, "Too common: it is among the first passwords anyone tries. Choose another."); return null; }
        return value;
    }

    /// <summary>A password being checked (sign-in, current password): required, and never longer than a new one may be.</summary>
    public string? ExistingPassword(string field, string? value)
    {
        if (string.IsNullOrEmpty(value)) { Add(field, "Required."); return null; }
        if (value.Length > Passwords.MaxLength) { Add(field, $"At most {Passwords.MaxLength} characters."); return null; }
        return value;
    }

    /// <summary>
    /// An address to mail: a mailbox (at most 64 characters before the @) at a domain name with at
    /// least two labels (letters, digits and inner hyphens, Unicode letters included; a top-level label
    /// not all digits). Refuses what no mail can reach (<c>a@b</c>, <c>a@-b.com</c>, IP literals).
    /// </summary>
    public string? Email(string field, string? value) => Address(field, value, mailable: true);

    /// <summary>
    /// An address an account may already hold (signing in, asking for a reset): the syntax only, so
    /// accounts made before <see cref="Email"/> required a mailable domain can still sign in.
    /// </summary>
    public string? KnownEmail(string field, string? value) => Address(field, value, mailable: false);

    private string? Address(string field, string? value, bool mailable)
    {
        if (string.IsNullOrWhiteSpace(value)) { Add(field, "Required."); return null; }
        var trimmed = value.Trim();
        if (trimmed.Length > 254 || !IsStorable(trimmed) || trimmed.Any(char.IsControl)
            || !MailAddress.TryCreate(trimmed, out var parsed) || parsed.Address != trimmed
            || parsed.Host.Length == 0 || trimmed.Any(char.IsWhiteSpace)
            || (mailable && (parsed.User.Length > 64 || !IsDomainName(parsed.Host) || HasCaseLookalike(trimmed))))
        {
            Add(field, "Not a valid email address.");
            return null;
        }
        return trimmed;
    }

    /// <summary>
    /// Whether a character lower-cases into a letter that is not its own lower case: the Kelvin sign
    /// (U+212A) into "k", the Angstrom sign into "å", the Ohm sign into "ω". An address is one user by its lower-cased form (<see cref="GrainKeys.NormalizeEmail"/>),
    /// so "\u212Aate@…" would be kate@…'s user while its mail goes to another mailbox: a sign-up with it
    /// would hold kate's address against her (her own sign-up 409, her reset mailed to the look-alike).
    /// Ordinary capitals (Ü, Σ) lower-case and back to themselves and are kept.
    /// </summary>
    private static bool HasCaseLookalike(string address)
    {
        foreach (var c in address)
        {
            if (c < 0x80) continue;
            var lower = char.ToLowerInvariant(c);
            if (lower != c && char.ToUpperInvariant(lower) != c) return true;
        }
        return false;
    }

    // IDNA (UTS #46) with the letters-digits-hyphen rule for each label: Unicode domain names map to
    // their xn-- form (combining marks included), anything a resolver could not look up throws.
    private static readonly System.Globalization.IdnMapping Idna = new() { UseStd3AsciiRules = true };

    private static bool IsDomainName(string host)
    {
        string ascii;
        try { ascii = Idna.GetAscii(host); }
        catch (ArgumentException) { return false; }
        var labels = ascii.Split('.');
        if (labels.Length < 2 || ascii.Length > 253) return false;
        foreach (var label in labels)
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-') return false;
            if (!label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')) return false;
        }
        return !labels[^1].All(char.IsAsciiDigit);
    }

    public DateTimeZone? TimeZone(string field, string? value, bool required = true)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required) Add(field, "Required: an IANA time zone such as Europe/Berlin.");
            return null;
        }
        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(value.Trim());
        if (zone is null) Add(field, $"Unknown time zone '{value}': use an IANA name such as Europe/Berlin.");
        return zone;
    }

    public Guid? Id(string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) { Add(field, "Required."); return null; }
        if (!Guid.TryParse(value, out var id)) { Add(field, "Not a valid id."); return null; }
        return id;
    }

    public DateOnly? Date(string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) { Add(field, "Required (YYYY-MM-DD)."); return null; }
        if (!DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            Add(field, "Not a date (YYYY-MM-DD).");
            return null;
        }
        if (date.Year is < MinYear or > MaxYear)
        {
            Add(field, $"A date between the years {MinYear} and {MaxYear}.");
            return null;
        }
        return date;
    }

    private static readonly OffsetDateTimePattern[] StartPatterns =
    [
        OffsetDateTimePattern.ExtendedIso,
        OffsetDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mmo<G>"),
    ];

    /// <summary>An ISO 8601 date-time that carries its offset ("2026-03-02T09:00:00+01:00" or "...Z").</summary>
    public DateTimeOffset? Instant(string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) { Add(field, "Required: an ISO 8601 date-time with offset."); return null; }
        foreach (var pattern in StartPatterns)
        {
            var result = pattern.Parse(value.Trim());
            if (!result.Success) continue;
            if (result.Value.Year is < MinYear or > MaxYear)
            {
                Add(field, $"A date-time between the years {MinYear} and {MaxYear}.");
                return null;
            }
            // NodaTime reads offsets up to ±18:00; .NET (and the world's zones) stop at ±14:00.
            if (Math.Abs(result.Value.Offset.Seconds) > 14 * 3600)
            {
                Add(field, "The offset must lie between -14:00 and +14:00.");
                return null;
            }
            return result.Value.ToDateTimeOffset();
        }
        Add(field, "Not an ISO 8601 date-time with offset, e.g. 2026-03-02T09:00:00+01:00.");
        return null;
    }
}

/// <summary>The password policy (README, "Security").</summary>
public static class Passwords
{
    public const int MinLength = 8;

    /// <summary>Long enough for any passphrase; short enough that hashing it costs what hashing any password costs.</summary>
    public const int MaxLength = 128;

    private static readonly HashSet<string> Common = Load();

    public static bool IsCommon(string password) => Common.Contains(password.Trim());

    private static HashSet<string> Load()
    {
        using var stream = typeof(Passwords).Assembly.GetManifestResourceStream("common-passwords.txt")
            ?? throw new InvalidOperationException("The common-passwords list is not embedded.");
        using var reader = new StreamReader(stream);
        var set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0 && !line.StartsWith('#')) set.Add(line.Trim());
        }
        return set;
    }
}

public static class TimeText
{
    // Always "+HH:mm" (never "Z" or "+01"), so clients can compare strings as well as instants.
    private static readonly OffsetDateTimePattern Pattern =
        OffsetDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm':'sso<+HH:mm>");

    /// <summary>An instant as ISO 8601 with the offset it has in <paramref name="zone"/>.</summary>
    public static string Format(DateTimeOffset instant, DateTimeZone zone) =>
        Pattern.Format(NodaTime.Instant.FromDateTimeOffset(instant).InZone(zone).ToOffsetDateTime());

    /// <summary>"HH:mm"; 1440 minutes is "24:00" (the end of the day). The domain's format.</summary>
    public static string FormatMinutes(int minutes) => Scheduler.Domain.AvailabilityRules.FormatTime(minutes);

    /// <summary>Parses "HH:mm" (00:00–23:59), or "24:00" when <paramref name="allowEndOfDay"/>: the domain's parser.</summary>
    public static bool TryParseMinutes(string? text, bool allowEndOfDay, out int minutes) =>
        Scheduler.Domain.AvailabilityRules.TryParseTime(text, allowEndOfDay, out minutes);
}
