using System.Text.Json;
using System.Text.Json.Serialization;

namespace Scheduler.Calendar;

/// <summary>
/// What the calendar hands to grain storage: its state already serialized, as it was at the
/// moment of the write.
/// </summary>
/// <remarks>
/// The calendar is reentrant, and Orleans' ADO.NET provider serializes the state after its first
/// await, on a thread-pool thread. Serializing the live <see cref="CalendarState"/> there would race
/// with the next decisions mutating it (torn snapshots, "collection was modified"). So the grain
/// serializes on its own turn and storage only copies the bytes. The stored JSON is exactly the
/// <see cref="CalendarState"/> JSON, which the SQL views read.
/// </remarks>
[JsonConverter(typeof(CalendarDocumentConverter))]
public sealed class CalendarDocument
{
    internal static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public ReadOnlyMemory<byte> Utf8 { get; init; }

    public static CalendarDocument From(CalendarState state) =>
        new() { Utf8 = JsonSerializer.SerializeToUtf8Bytes(state, Json) };

    public CalendarState ToState() =>
        Utf8.IsEmpty ? new CalendarState() : JsonSerializer.Deserialize<CalendarState>(Utf8.Span, Json) ?? new CalendarState();
}

internal sealed class CalendarDocumentConverter : JsonConverter<CalendarDocument>
{
    public override CalendarDocument Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return new CalendarDocument { Utf8 = JsonSerializer.SerializeToUtf8Bytes(document.RootElement) };
    }

    public override void Write(Utf8JsonWriter writer, CalendarDocument value, JsonSerializerOptions options) =>
        writer.WriteRawValue(value.Utf8.Span, skipInputValidation: true);
}
