using System.IO.Compression;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.ResponseCompression;

namespace Scheduler.Web.Hosting;

/// <summary>
/// Brotli or gzip for what is public and carries no secret: the pages, their scripts and styles, the
/// OpenAPI document, organizers' public pages and the public slot listing (a month of one-minute slots is megabytes of JSON,
/// about a twentieth of that compressed). Nothing else is compressed: a response that holds a secret
/// (a token, a manage link) next to text a requester chose could leak the secret through its
/// compressed length (BREACH), so API answers other than slots go out as they are.
/// </summary>
public static partial class Compression
{
    public static IServiceCollection AddPublicCompression(this IServiceCollection services)
    {
        services.AddResponseCompression(o =>
        {
            // Safe over HTTPS too: only the public, secret-free responses below reach this middleware.
            o.EnableForHttps = true;
            o.Providers.Add<BrotliCompressionProvider>();
            o.Providers.Add<GzipCompressionProvider>();
            o.MimeTypes = ResponseCompressionDefaults.MimeTypes.Concat(["text/javascript", "image/svg+xml"]).Distinct().ToArray();
        });
        // Optimal is Brotli quality 4 and gzip level 6: cheap next to computing the slots, about 20:1 on them.
        services.Configure<BrotliCompressionProviderOptions>(o => o.Level = CompressionLevel.Optimal);
        services.Configure<GzipCompressionProviderOptions>(o => o.Level = CompressionLevel.Optimal);
        return services;
    }

    public static WebApplication UsePublicCompression(this WebApplication app)
    {
        app.UseWhen(IsPublic, branch =>
        {
            // Every copy of these varies by Accept-Encoding (the plain one too, so a shared cache keeps
            // them apart), and its validator is weak: the compressed and plain copies share one ETag,
            // which is right only for "the same content", not "the same bytes".
            branch.Use((context, next) =>
            {
                // The static file server compares validators strongly: give it back the strong form of
                // the weak ones it handed out, so revalidation still answers 304.
                if (context.Request.Headers.IfNoneMatch.ToString() is { Length: > 0 } ifNoneMatch && ifNoneMatch.Contains("W/", StringComparison.Ordinal))
                    context.Request.Headers.IfNoneMatch = ifNoneMatch.Replace("W/", "", StringComparison.Ordinal);
                context.Response.OnStarting(() =>
                {
                    var headers = context.Response.Headers;
                    if (!headers.Vary.Any(v => v?.Contains("Accept-Encoding", StringComparison.OrdinalIgnoreCase) == true))
                        headers.Append("Vary", "Accept-Encoding");
                    if (headers.ETag.ToString() is { Length: > 0 } etag && !etag.StartsWith("W/", StringComparison.Ordinal))
                        headers.ETag = "W/" + etag;
                    return Task.CompletedTask;
                });
                return next(context);
            });
            branch.UseResponseCompression();
        });
        return app;
    }

    /// <summary>GET (or HEAD) of a page, an asset, the OpenAPI document or an event type's slots.</summary>
    public static bool IsPublic(HttpContext context)
    {
        var request = context.Request;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method)) return false;
        var path = request.Path.Value ?? "";
        return path.StartsWith("/assets/", StringComparison.Ordinal) || path.StartsWith("/lib/", StringComparison.Ordinal)
            || PublicPath().IsMatch(path);
    }

    [GeneratedRegex(@"^/(dashboard|verify-email|reset-password|(book|manage|u)/[0-9a-fA-F-]{36}|openapi/v1\.json|api/event-types/[0-9a-fA-F-]{36}/slots|api/organizers/[0-9a-fA-F-]{36})\z")]
    private static partial Regex PublicPath();
}
