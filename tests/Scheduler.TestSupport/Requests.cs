using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace Scheduler.TestSupport;

/// <summary>HTTP requests as a signed-in client sends them.</summary>
public static class Requests
{
    /// <summary>A request carrying <c>Authorization: Bearer <paramref name="token"/></c> and, if given, a JSON body.</summary>
    public static HttpRequestMessage Authorized(HttpMethod method, string path, string token, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null) request.Content = JsonContent.Create(body);
        return request;
    }
}
