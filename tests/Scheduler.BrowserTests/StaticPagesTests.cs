using System.Net;

namespace Scheduler.BrowserTests;

/// <summary>The pages are plain files: anonymous, cacheable, and the same for every visitor.</summary>
[Collection(SchedulerSystemCollection.Name)]
public sealed class StaticPagesTests(SchedulerSystem system)
{
    [Theory]
    [InlineData("/book/7d1f2a9e-8f35-4c3a-9a57-0b3f3bbd1e01", "text/html", "no-cache")]
    [InlineData("/manage/7d1f2a9e-8f35-4c3a-9a57-0b3f3bbd1e01", "text/html", "no-cache")]
    [InlineData("/u/7d1f2a9e-8f35-4c3a-9a57-0b3f3bbd1e01", "text/html", "no-cache")]
    [InlineData("/dashboard", "text/html", "no-cache")]
    [InlineData("/assets/book.js", "text/javascript", "max-age=3600")]
    [InlineData("/lib/signalr.min.js", "text/javascript", "max-age=604800")]
    public async Task Pages_and_assets_are_served_anonymously_with_cache_headers(string path, string mediaType, string cacheControl)
    {
        using var response = await system.Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(cacheControl, response.Headers.CacheControl?.ToString());
    }
}
