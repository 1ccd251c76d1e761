using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Scheduler.LoadTest.Targets;

/// <summary>HTTP helpers shared by the targets.</summary>
internal static class Http
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>One connection pool for the whole run; no per-server connection cap (the concurrency option is the cap).</summary>
    public static HttpClient CreateClient(Uri baseAddress, TimeSpan timeout) =>
        new(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = int.MaxValue,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        })
        {
            BaseAddress = baseAddress,
            Timeout = timeout,
        };

    public static string Iso(DateTimeOffset instant) => instant.ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture);

    public static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Sends and insists on a 2xx; setup steps fail the run loudly with the server's answer.</summary>
    public static async Task<JsonElement> Send(HttpClient http, HttpMethod method, string path, object? body, string? token, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = JsonContent.Create(body, options: Json);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"{method} {path} answered {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Follows <c>Link: &lt;…&gt;; rel="next"</c> until the last page.</summary>
    public static async Task<List<JsonElement>> GetAllPages(HttpClient http, string path, string? token, CancellationToken ct)
    {
        var items = new List<JsonElement>();
        string? next = path;
        while (next is not null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, next);
            if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(request, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode)
                throw new InvalidOperationException($"GET {next} answered {(int)response.StatusCode}: {text}");
            using var document = JsonDocument.Parse(text);
            items.AddRange(document.RootElement.EnumerateArray().Select(e => e.Clone()));
            next = NextLink(response);
        }
        return items;
    }

    private static string? NextLink(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Link", out var values)) return null;
        foreach (var part in values.SelectMany(v => v.Split(',')))
        {
            var pieces = part.Split(';');
            if (pieces.Skip(1).Any(p => p.Trim().Replace(" ", "") is "rel=\"next\"" or "rel=next"))
                return pieces[0].Trim().TrimStart('<').TrimEnd('>');
        }
        return null;
    }

    /// <summary>Reads a booking answer: 201 with the booking, or a problem whose type ends in its token.</summary>
    public static async Task<BookingResponse> ReadBooking(HttpResponseMessage response, CancellationToken ct)
    {
        var status = (int)response.StatusCode;
        var retryAfter = response.Headers.RetryAfter?.Delta;
        var text = await response.Content.ReadAsStringAsync(ct);
        JsonElement root = default;
        try
        {
            if (text.Length > 0) root = JsonDocument.Parse(text).RootElement;
        }
        catch (JsonException)
        {
            // A proxy's HTML error page: classified by status alone.
        }
        if (status == 201 && root.ValueKind == JsonValueKind.Object)
        {
            return new BookingResponse(status, null, root.GetProperty("id").GetGuid(),
                root.GetProperty("start").GetDateTimeOffset(), root.GetProperty("end").GetDateTimeOffset(), retryAfter);
        }
        string? problem = null;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("type", out var type) && type.GetString() is { } t)
            problem = t[(t.LastIndexOf('/') + 1)..];
        return new BookingResponse(status, problem, null, null, null, retryAfter);
    }
}
