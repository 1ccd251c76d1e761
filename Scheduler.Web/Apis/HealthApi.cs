using Microsoft.AspNetCore.Http.HttpResults;
using Scheduler.Web.Hosting;

namespace Scheduler.Web.Apis;

public static class HealthApi
{
    public sealed record Health(string Status, int Silos);

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", async Task<Results<Ok<Health>, ProblemHttpResult>> (IGrainFactory grains, SigningKeys keys) =>
        {
            try
            {
                var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(TimeSpan.FromSeconds(5));
                return keys.IsLoaded && hosts.Count > 0
                    ? TypedResults.Ok(new Health("ok", hosts.Count))
                    : Problems.Result("retry", "No silo is active yet.");
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return Problems.Result("retry", "The cluster is not reachable.");
            }
        }).WithTags("Health").AllowAnonymous();
        return app;
    }

    /// <summary>Each problem type URI resolves to a short description of it.</summary>
    public static IEndpointRouteBuilder MapProblemTypesApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/problems/{token}", Results<Ok<ProblemType>, ProblemHttpResult> (string token) =>
            Problems.Catalog.TryGetValue(token, out var entry)
                ? TypedResults.Ok(new ProblemType(Problems.TypeOf(token), entry.Status, entry.Title))
                : Problems.NotFound("problem type"))
            .AllowAnonymous()
            .ExcludeFromDescription();
        return app;
    }

    public sealed record ProblemType(string Type, int Status, string Title);
}
