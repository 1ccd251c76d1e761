using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Scheduler.IntegrationTests.Infrastructure;
using static Scheduler.IntegrationTests.Infrastructure.Api;

namespace Scheduler.IntegrationTests;

/// <summary>
/// Public, secret-free answers (slots, pages, scripts) are compressed for clients that accept it; answers
/// that can hold a secret are never compressed (BREACH), whatever the client accepts.
/// </summary>
public sealed class CompressionTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private HttpClient Anonymous => fixture.Anonymous;

    private async Task<HttpResponseMessage> Get(string url, string encoding, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.AcceptEncoding.ParseAdd(encoding);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await Anonymous.SendAsync(request);
    }

    private static async Task<string> Decompress(HttpResponseMessage response)
    {
        var encoding = Assert.Single(response.Content.Headers.ContentEncoding);
        await using var body = await response.Content.ReadAsStreamAsync();
        await using Stream decoded = encoding switch
        {
            "br" => new BrotliStream(body, CompressionMode.Decompress),
            "gzip" => new GZipStream(body, CompressionMode.Decompress),
            _ => throw new InvalidOperationException("unexpected encoding " + encoding),
        };
        using var reader = new StreamReader(decoded);
        return await reader.ReadToEndAsync();
    }

    [Fact]
    public async Task Slots_come_compressed_to_clients_that_accept_it_and_read_the_same()
    {
        var (organizer, _) = await Anonymous.OrganizerWithEventType(fixture.App);
        // Every minute a slot, for a fortnight: the largest listings a public page can ask for.
        var created = await organizer.Client.PostAsJsonAsync("/api/event-types",
            new { title = "Quick question", description = "", durationMinutes = 5, location = "Phone", slotIntervalMinutes = 1 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var eventTypeId = (await created.Json())["id"]!.GetValue<Guid>();
        var url = $"/api/event-types/{eventTypeId}/slots?from={FutureMonday:yyyy-MM-dd}&to={FutureMonday.AddDays(13):yyyy-MM-dd}";

        var plain = await Anonymous.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.Empty(plain.Content.Headers.ContentEncoding);
        var json = await plain.Content.ReadAsStringAsync();
        Assert.True(json.Length > 200_000, $"{json.Length} characters");

        foreach (var encoding in new[] { "br", "gzip" })
        {
            var compressed = await Get(url, encoding);
            Assert.Equal(HttpStatusCode.OK, compressed.StatusCode);
            Assert.Equal(encoding, Assert.Single(compressed.Content.Headers.ContentEncoding));
            Assert.Contains("Accept-Encoding", compressed.Headers.Vary);
            var size = (await compressed.Content.ReadAsByteArrayAsync()).Length;
            Assert.True(size * 10 < json.Length, $"{encoding}: {size} bytes for {json.Length}");
            Assert.Equal(json, await Decompress(await Get(url, encoding)));
        }
    }

    [Fact]
    public async Task Pages_and_scripts_come_compressed_but_answers_that_can_hold_secrets_never_do()
    {
        foreach (var url in new[] { "/dashboard", "/assets/book.js", "/lib/signalr.min.js", "/openapi/v1.json" })
        {
            var response = await Get(url, "gzip");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("gzip", Assert.Single(response.Content.Headers.ContentEncoding));
            Assert.NotEmpty(await Decompress(response));
            // The plain copy says it varies too, so a shared cache never hands it to the other kind of client.
            var plain = await Anonymous.GetAsync(url);
            Assert.Empty(plain.Content.Headers.ContentEncoding);
            Assert.Contains("Accept-Encoding", plain.Headers.Vary);
        }

        // Static files' validators are weak: both copies share one, so it means "the same content".
        var script = await Get("/assets/book.js", "br");
        var etag = Assert.IsType<System.Net.Http.Headers.EntityTagHeaderValue>(script.Headers.ETag);
        Assert.True(etag.IsWeak, etag.ToString());
        using (var revalidate = new HttpRequestMessage(HttpMethod.Get, "/assets/book.js"))
        {
            revalidate.Headers.IfNoneMatch.Add(etag);
            Assert.Equal(HttpStatusCode.NotModified, (await Anonymous.SendAsync(revalidate)).StatusCode);
        }

        var (organizer, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App);
        // A booking's answer holds its manage token next to the name the booker typed.
        using (var book = new HttpRequestMessage(HttpMethod.Post, "/api/bookings")
        {
            Content = JsonContent.Create(new { eventTypeId, start = At(FutureMonday, "09:00"), name = "Bob", email = $"bob-{Guid.NewGuid():N}@example.com" }),
        })
        {
            book.Headers.AcceptEncoding.ParseAdd("br, gzip");
            var booked = await Anonymous.SendAsync(book);
            Assert.Equal(HttpStatusCode.Created, booked.StatusCode);
            Assert.Empty(booked.Content.Headers.ContentEncoding);
            Assert.NotNull((await booked.Json())["manageToken"]);
        }
        foreach (var url in new[] { "/api/me", "/api/bookings", "/api/notifications" })
        {
            var response = await Get(url, "br, gzip", organizer.Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Empty(response.Content.Headers.ContentEncoding);
        }
    }
}
