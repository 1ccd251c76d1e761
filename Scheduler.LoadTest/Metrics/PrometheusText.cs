using System.Globalization;
using System.Text;

namespace Scheduler.LoadTest.Metrics;

/// <summary>One line of a Prometheus scrape: <c>name{label="value",…} value</c>.</summary>
public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>
/// Reads the Prometheus text exposition format (0.0.4, and OpenMetrics' superset as far as samples
/// go): comments and metadata lines are skipped, label values unescaped (<c>\\</c>, <c>\"</c>,
/// <c>\n</c>), timestamps and exemplars after the value ignored. A line that is not a sample is skipped
/// rather than failing the scrape: the load tester reads a few series and must not die of a new one.
/// </summary>
public static class PrometheusText
{
    public static IReadOnlyList<Sample> Parse(string text)
    {
        var samples = new List<Sample>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r').Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            if (TryParseLine(line, out var sample)) samples.Add(sample);
        }
        return samples;
    }

    private static bool TryParseLine(string line, out Sample sample)
    {
        sample = null!;
        var i = 0;
        while (i < line.Length && IsNameChar(line[i], first: i == 0)) i++;
        if (i == 0) return false;
        var name = line[..i];
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            if (!TryParseLabels(line, ref i, labels)) return false;
        }
        // The value is the next whitespace-separated token; a timestamp or "# exemplar" may follow.
        if (i >= line.Length || line[i] is not (' ' or '\t')) return false;
        var rest = line[i..].TrimStart();
        var end = rest.IndexOfAny([' ', '\t']);
        if (!TryParseValue(end < 0 ? rest : rest[..end], out var value)) return false;
        sample = new Sample(name, labels, value);
        return true;
    }

    private static bool TryParseLabels(string line, ref int i, Dictionary<string, string> labels)
    {
        while (true)
        {
            while (i < line.Length && line[i] is ' ' or ',') i++;
            if (i >= line.Length) return false;
            if (line[i] == '}')
            {
                i++;
                return true;
            }
            var start = i;
            while (i < line.Length && IsNameChar(line[i], first: i == start)) i++;
            if (i == start) return false;
            var label = line[start..i];
            while (i < line.Length && line[i] == ' ') i++;
            if (i >= line.Length || line[i] != '=') return false;
            i++;
            while (i < line.Length && line[i] == ' ') i++;
            if (i >= line.Length || line[i] != '"') return false;
            i++;
            var value = new StringBuilder();
            while (true)
            {
                if (i >= line.Length) return false;
                var c = line[i++];
                if (c == '"') break;
                if (c == '\\')
                {
                    if (i >= line.Length) return false;
                    var escaped = line[i++];
                    value.Append(escaped switch { 'n' => '\n', _ => escaped });
                }
                else
                {
                    value.Append(c);
                }
            }
            labels[label] = value.ToString();
        }
    }

    /// <summary>Go's float syntax as Prometheus writes it, including <c>+Inf</c>, <c>-Inf</c> and <c>NaN</c>.</summary>
    public static bool TryParseValue(string text, out double value)
    {
        switch (text)
        {
            case "+Inf" or "Inf":
                value = double.PositiveInfinity;
                return true;
            case "-Inf":
                value = double.NegativeInfinity;
                return true;
            case "NaN":
                value = double.NaN;
                return true;
        }
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    private static bool IsNameChar(char c, bool first) =>
        c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or '_' or ':' || !first && c is >= '0' and <= '9';
}
