using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace Scheduler.Web.Hosting;

public static class Paging
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    /// <summary>The same request with <c>cursor</c> replaced, as an RFC 8288 <c>rel="next"</c> link.</summary>
    public static string NextLink(HttpRequest request, string cursor)
    {
        var query = QueryHelpers.ParseQuery(request.QueryString.Value)
            .Where(kv => kv.Key != "cursor")
            .ToDictionary(kv => kv.Key, kv => (string?)kv.Value.ToString());
        query["cursor"] = cursor;
        return $"<{QueryHelpers.AddQueryString(request.PathBase + request.Path, query)}>; rel=\"next\"";
    }

    /// <summary>An opaque cursor: the last item's sort key (instant, id).</summary>
    public static string EncodeCursor(DateTimeOffset start, Guid id) =>
        WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes($"{start.UtcTicks}_{id:N}"));

    public static (DateTimeOffset, Guid)? DecodeCursor(string cursor)
    {
        try
        {
            var parts = Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(cursor)).Split('_');
            if (parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                && ticks >= DateTimeOffset.MinValue.UtcTicks && ticks <= DateTimeOffset.MaxValue.UtcTicks
                && Guid.TryParseExact(parts[1], "N", out var id))
                return (new DateTimeOffset(ticks, TimeSpan.Zero), id);
        }
        catch (FormatException)
        {
        }
        return null;
    }

    /// <summary>Validates <c>limit</c> (default 100, 1 to 1000).</summary>
    public static int Limit(int? limit, Validator v)
    {
        var take = limit ?? DefaultLimit;
        if (take is < 1 or > MaxLimit) v.Add("limit", $"Between 1 and {MaxLimit}.");
        return take;
    }
}
