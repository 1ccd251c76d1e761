using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Scheduler.Web.Hosting;

/// <summary>
/// The headers every answer carries: no MIME sniffing, no framing by other sites, no referrer (the
/// manage page carries its token in the URL, the verification page in the fragment), and a strict
/// Content-Security-Policy on every page: scripts, styles, connections only from this origin, no
/// inline script or style. Kestrel's <c>Server</c> header is switched off where Kestrel is configured.
/// </summary>
public static partial class SecurityHeaders
{
    public const string PageCsp =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>
    /// The Orleans Dashboard's pages (operators only, loopback) draw with inline styles (its lifecycle graph)
    /// and an inline font: those two are allowed there; script stays this origin's files only.
    /// </summary>
    public static readonly string OrleansDashboardCsp = PageCsp
        .Replace("style-src 'self'", "style-src 'self' 'unsafe-inline'", StringComparison.Ordinal)
        .Replace("font-src 'self'", "font-src 'self' data:", StringComparison.Ordinal);

    public static WebApplication UseSecurityHeaders(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers.ContentSecurityPolicy = PageCsp;
            // The exception handler clears the response (headers included) before it writes its problem:
            // whatever is missing when the answer starts is set again (what a page set itself is kept).
            context.Response.OnStarting(() =>
            {
                var now = context.Response.Headers;
                if (!now.ContainsKey("X-Content-Type-Options")) now.XContentTypeOptions = "nosniff";
                if (!now.ContainsKey("X-Frame-Options")) now.XFrameOptions = "DENY";
                if (!now.ContainsKey("Referrer-Policy")) now["Referrer-Policy"] = "no-referrer";
                if (!now.ContainsKey("Content-Security-Policy")) now.ContentSecurityPolicy = PageCsp;
                return Task.CompletedTask;
            });
            if (IsDocsPage(context.Request.Path))
            {
                await WithInlineScriptHashes(context, next);
                return;
            }
            await next(context);
        });
        return app;
    }

    /// <summary>The reference's pages: its start page, and the page of our one document (/docs/v1).</summary>
    private static bool IsDocsPage(PathString path) =>
        path.Equals("/docs/", StringComparison.OrdinalIgnoreCase) || path.Equals("/docs/index.html", StringComparison.OrdinalIgnoreCase)
        || path.Equals("/docs/v1", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The API reference (Scalar) starts itself with one inline module script. Rather than allowing
    /// inline script, the page's CSP names exactly the scripts it was sent with, by hash.
    /// </summary>
    private static async Task WithInlineScriptHashes(HttpContext context, RequestDelegate next)
    {
        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = original;
        }
        if (context.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true)
        {
            var html = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
            var hashes = InlineScript().Matches(html)
                .Select(m => $"'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(m.Groups["body"].Value)))}'");
            context.Response.Headers.ContentSecurityPolicy = PageCsp.Replace("script-src 'self'", "script-src 'self' " + string.Join(' ', hashes))
                .Replace("style-src 'self'", "style-src 'self' 'unsafe-inline'");
        }
        context.Response.ContentLength = buffer.Length;
        buffer.Position = 0;
        await buffer.CopyToAsync(original, context.RequestAborted);
    }

    [GeneratedRegex("<script(?![^>]*\\bsrc=)[^>]*>(?<body>.*?)</script>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();
}
