using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scheduler.Web.Apis;

namespace Scheduler.Web.Hosting;

/// <summary>
/// What the request and response records' fields are, as the validators (<see cref="Validator"/>, the
/// handlers' checks) enforce them: formats, enums, lengths, ranges and which fields are required.
/// Request records keep <c>string?</c> fields so a bad value becomes a 400 naming the field; this table
/// tells clients what a good value is. Every instant is also marked with the offset rule. Records whose
/// name ends in <c>Request</c> are request bodies: exactly their fields marked <see cref="Field.Required"/> are required.
/// </summary>
public sealed class OpenApiSchemas : IOpenApiSchemaTransformer
{
    public const string InstantRule = "ISO 8601 date-time with an offset (`Z` or `±HH:mm`); instants the API returns are in UTC unless stated otherwise.";

    /// <summary>One field's constraints; null means "as generated".</summary>
    public sealed record Field(
        bool Required = false, string? Format = null, int? MinLength = null, int? MaxLength = null, string? Pattern = null,
        int? Minimum = null, int? Maximum = null, JsonNode? Default = null, string[]? Enum = null, string? Description = null);

    private const string HourMinute = "^([01][0-9]|2[0-3]):[0-5][0-9]$";
    private const string HourMinuteOrEndOfDay = "^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$";
    private static readonly string[] Days = Enum.GetNames<DayOfWeek>();
    private const string Zone = "An IANA time zone such as Europe/Berlin.";

    public static readonly IReadOnlyDictionary<Type, IReadOnlyDictionary<string, Field>> Fields = new Dictionary<Type, IReadOnlyDictionary<string, Field>>
    {
        [typeof(UsersApi.CreateUserRequest)] = new Dictionary<string, Field>
        {
            ["name"] = new(Required: true, MinLength: 1, MaxLength: 200),
            ["email"] = new(Required: true, Format: "email", MaxLength: 254, Description: "Unique (case-insensitive) among accounts."),
            ["password"] = new(Required: true, Format: "password", MinLength: Passwords.MinLength, MaxLength: Passwords.MaxLength),
            ["timeZone"] = new(Required: true, Description: Zone),
        },
        [typeof(UsersApi.TokenRequest)] = new Dictionary<string, Field>
        {
            ["email"] = new(Required: true, Format: "email", MaxLength: 254),
            ["password"] = new(Required: true, Format: "password", MinLength: 1, MaxLength: Passwords.MaxLength),
        },
        [typeof(UsersApi.UpdateMeRequest)] = new Dictionary<string, Field>
        {
            ["name"] = new(MinLength: 1, MaxLength: 200),
            ["timeZone"] = new(Description: Zone),
            ["password"] = new(Format: "password", MinLength: Passwords.MinLength, MaxLength: Passwords.MaxLength, Description: "A new password; needs currentPassword."),
            ["currentPassword"] = new(Format: "password", Description: "Required with password."),
        },
        [typeof(UsersApi.UserDto)] = new Dictionary<string, Field>
        {
            ["email"] = new(Format: "email"),
            ["timeZone"] = new(Description: Zone),
        },
        [typeof(UsersApi.TokenResponse)] = new Dictionary<string, Field>
        {
            ["tokenType"] = new(Enum: ["Bearer"]),
            ["expiresIn"] = new(Description: "Seconds until the token expires."),
        },
        [typeof(EventTypesApi.EventTypeRequest)] = new Dictionary<string, Field>
        {
            ["title"] = new(Required: true, MinLength: 1, MaxLength: 200),
            ["description"] = new(MaxLength: 5000),
            ["durationMinutes"] = new(Required: true, Minimum: 1, Maximum: 1440),
            ["location"] = new(MaxLength: 500),
            ["active"] = new(Default: true, Description: "Inactive event types offer no slots and are hidden from the public."),
            ["requiresConfirmation"] = new(Default: false, Description: "New bookings start Pending until the organizer confirms them."),
            ["reminderMinutes"] = new(Minimum: 0, Maximum: 10080, Default: 60, Description: "Minutes before the start to remind; 0: no reminder."),
        },
        [typeof(EventTypesApi.EventTypeDto)] = new Dictionary<string, Field>
        {
            ["durationMinutes"] = new(Minimum: 1, Maximum: 1440),
            ["reminderMinutes"] = new(Minimum: 0, Maximum: 10080),
            ["organizer"] = new(Description: "Only on the public read (getEventType)."),
        },
        [typeof(EventTypesApi.OrganizerDto)] = new Dictionary<string, Field>
        {
            ["timeZone"] = new(Description: Zone),
            ["mailsBookers"] = new(Description: "Whether bookers on this organizer's pages are mailed their booking and its link (the organizer confirmed their address)."),
        },
        [typeof(EventTypesApi.SlotsResponse)] = new Dictionary<string, Field> { ["timeZone"] = new(Description: "The zone the slots are shown in.") },
        [typeof(EventTypesApi.SlotDto)] = new Dictionary<string, Field>
        {
            ["start"] = new(Format: "date-time", Description: "ISO 8601 with the offset of the requested zone, always `±HH:mm`."),
            ["end"] = new(Format: "date-time", Description: "ISO 8601 with the offset of the requested zone, always `±HH:mm`."),
        },
        [typeof(AvailabilityApi.AvailabilityRuleRequest)] = new Dictionary<string, Field>
        {
            ["dayOfWeek"] = new(Required: true, Enum: Days),
            ["startTime"] = new(Required: true, Pattern: HourMinute, Description: "Local time HH:mm in the organizer's zone."),
            ["endTime"] = new(Required: true, Pattern: HourMinuteOrEndOfDay, Description: "Local time HH:mm after startTime; 24:00 is the end of the day."),
        },
        [typeof(AvailabilityApi.AvailabilityRuleDto)] = new Dictionary<string, Field>
        {
            ["dayOfWeek"] = new(Enum: Days),
            ["startTime"] = new(Pattern: HourMinute),
            ["endTime"] = new(Pattern: HourMinuteOrEndOfDay),
        },
        [typeof(BookingsApi.CreateBookingRequest)] = new Dictionary<string, Field>
        {
            ["eventTypeId"] = new(Required: true, Format: "uuid"),
            ["start"] = new(Required: true, Format: "date-time", Description: "One of the slots' starts. " + InstantRule),
            ["name"] = new(MinLength: 1, MaxLength: 200, Description: "Required unless signed in (then defaults to the profile's)."),
            ["email"] = new(Format: "email", MaxLength: 254, Description: "Required unless signed in (then defaults to the profile's)."),
            ["notes"] = new(MaxLength: 2000),
        },
        [typeof(BookingsApi.CancelRequest)] = new Dictionary<string, Field> { ["reason"] = new(MaxLength: 1000) },
        [typeof(BookingsApi.BookingDto)] = new Dictionary<string, Field>
        {
            ["email"] = new(Format: "email"),
            ["cancelledBy"] = new(Enum: ["organizer", "booker"]),
            ["manageToken"] = new(Description: "Only in createBooking's 201 (and its idempotent replays): the only way to manage the booking without signing in."),
        },
        [typeof(NotificationsApi.NotificationDto)] = new Dictionary<string, Field>
        {
            ["kind"] = new(Enum: ["created", "confirmed", "cancelled", "reminder"]),
        },
        [typeof(HealthApi.Health)] = new Dictionary<string, Field> { ["status"] = new(Enum: ["ok"]) },
    };

    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = Nullable.GetUnderlyingType(context.JsonTypeInfo.Type) ?? context.JsonTypeInfo.Type;
        if (type == typeof(DateTimeOffset) && schema.Format == "date-time")
            schema.Description ??= InstantRule;
        if (context.JsonPropertyInfo is null && Fields.TryGetValue(type, out var fields))
            Apply(schema, fields, isRequestBody: type.Name.EndsWith("Request", StringComparison.Ordinal));
        return Task.CompletedTask;
    }

    private static void Apply(OpenApiSchema schema, IReadOnlyDictionary<string, Field> fields, bool isRequestBody)
    {
        // The generator marks every constructor parameter required; in a request body only the fields
        // the validation insists on are (responses always carry every field, null or not).
        if (isRequestBody) schema.Required = new HashSet<string>(fields.Where(f => f.Value.Required).Select(f => f.Key));
        foreach (var (name, field) in fields)
        {
            if (schema.Properties is null || !schema.Properties.TryGetValue(name, out var found) || found is not OpenApiSchema property)
                throw new InvalidOperationException($"OpenApiSchemas names a property '{name}' that the schema does not have.");
            var nullable = property.Type is { } t && t.HasFlag(JsonSchemaType.Null);
            if (field.Required)
            {
                (schema.Required ??= new HashSet<string>()).Add(name);
                // A null is refused like a missing value: the field's type is not nullable.
                if (nullable) { property.Type &= ~JsonSchemaType.Null; nullable = false; }
            }
            if (field.Format is not null) property.Format = field.Format;
            if (field.MinLength is not null) property.MinLength = field.MinLength;
            if (field.MaxLength is not null) property.MaxLength = field.MaxLength;
            if (field.Pattern is not null) property.Pattern = field.Pattern;
            if (field.Minimum is not null) property.Minimum = field.Minimum.Value.ToString(CultureInfo.InvariantCulture);
            if (field.Maximum is not null) property.Maximum = field.Maximum.Value.ToString(CultureInfo.InvariantCulture);
            if (field.Default is not null) property.Default = field.Default.DeepClone();
            if (field.Enum is not null)
            {
                property.Enum = [.. field.Enum.Select(v => (JsonNode)v)];
                if (nullable) property.Enum.Add(null!);
            }
            if (field.Description is not null) property.Description = field.Description;
        }
    }
}
