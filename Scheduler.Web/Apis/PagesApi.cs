using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Net.Http.Headers;

namespace Scheduler.Web.Apis;

/// <summary>
/// The browser pages: plain HTML from wwwroot that fetches the API, so no page is rendered per visit.
/// Everything here is anonymous (the pages sign in through the API themselves).
/// </summary>
public static class PagesApi
{
    /// <summary>Third-party bundles under /lib change only with package-lock.json; our own /assets with each deploy.</summary>
    private const string LibCacheControl = "public, max-age=604800";
    private const string AssetCacheControl = "public, max-age=3600, stale-while-revalidate=86400";
    /// <summary>HTML is revalidated on every visit (cheap: ETag / Last-Modified), so a deploy shows at once.</summary>
    private const string PageCacheControl = "no-cache";

    /// <summary>Serves wwwroot before authentication runs, with cache headers per kind of file.</summary>
    public static WebApplication UsePageAssets(this WebApplication app)
    {
        var types = new FileExtensionContentTypeProvider();
        types.Mappings[".js"] = "text/javascript; charset=utf-8";
        app.UseStaticFiles(new StaticFileOptions
        {
            ContentTypeProvider = types,
            OnPrepareResponse = context =>
            {
                var path = context.Context.Request.Path;
                context.Context.Response.Headers.CacheControl =
                    path.StartsWithSegments("/lib") ? LibCacheControl
                    : path.StartsWithSegments("/assets") ? AssetCacheControl
                    : PageCacheControl;
            },
        });
        return app;
    }

    public static IEndpointRouteBuilder MapPages(this IEndpointRouteBuilder app)
    {
        var pages = app.MapGroup("").AllowAnonymous().ExcludeFromDescription();
        pages.MapGet("/book/{id:guid}", (HttpContext http, IWebHostEnvironment env) => Page(http, env, "book.html"));
        pages.MapGet("/u/{id:guid}", (HttpContext http, IWebHostEnvironment env) => Page(http, env, "organizer.html"));
        pages.MapGet("/manage/{id:guid}", (HttpContext http, IWebHostEnvironment env) => Page(http, env, "manage.html"));
        // No booking named: the page offers to mail the links of the bookings made with an address.
        pages.MapGet("/manage", (HttpContext http, IWebHostEnvironment env) => Page(http, env, "manage.html"));
        pages.MapGet("/verify-email", (HttpContext http, IWebHostEnvironment env) => Page(http, env, "verify.html"));
        pages.MapGet("/reset-password", (HttpContext http, IWebHostEnvironment env) => Page(http, env, "reset.html"));
        pages.MapGet("/dashboard", (HttpContext http, IWebHostEnvironment env) => Page(http, env, "dashboard.html"));
        pages.MapGet("/", () => TypedResults.Redirect("/dashboard"));
        return app;
    }

    private static IResult Page(HttpContext http, IWebHostEnvironment env, string file)
    {
        var info = env.WebRootFileProvider.GetFileInfo(file);
        if (!info.Exists || info.PhysicalPath is null) return TypedResults.NotFound();
        http.Response.Headers.CacheControl = PageCacheControl;
        var modified = info.LastModified;
        var etag = new EntityTagHeaderValue($"\"{modified.ToUnixTimeMilliseconds():x}-{info.Length:x}\"");
        return TypedResults.PhysicalFile(info.PhysicalPath, "text/html; charset=utf-8", lastModified: modified, entityTag: etag);
    }
}
