using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using UniHCP.Pipeline.Store.Queries;
using UniHCP.Pipeline.Store.Writing;

namespace UniHCP.Pipeline.Api.Endpoints;

/// <summary>Dashboard aggregates, the weights registry, and the dashboard page itself.</summary>
internal static class DashboardEndpoints
{
    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
    };

    public static void Map(RouteGroupBuilder api, IEndpointRouteBuilder app)
    {
        api.MapGet("/dashboard", async (DashboardQueries queries, TimeProvider clock, CancellationToken ct,
                [FromQuery] string? from, [FromQuery] string? to, [FromQuery(Name = "camera")] string[]? cameras, [FromQuery] string? bucket) =>
            {
                var window = QueryParameters.Window(from, to, cameras, clock.GetUtcNow());
                return Results.Ok(await queries.SummaryAsync(window, QueryParameters.Bucket(bucket), ct));
            })
            .Produces<DashboardSummary>().ProducesProblem(StatusCodes.Status400BadRequest).WithName("Dashboard").WithSummary("People per camera per time bucket, unique identities, dwell-time distribution and attribute mix over a window.");

        api.MapGet("/models", async (ModelRegistry registry, CancellationToken ct) => Results.Ok(await registry.ListAsync(ct)))
            .Produces<IReadOnlyList<ModelVersionRecord>>().WithName("ListModels").WithSummary("The weights registry: versions, configs, metrics.");

        app.MapGet("/", () => Results.Redirect("/dashboard/")).ExcludeFromDescription();
        app.MapGet("/dashboard/{file?}", (string? file) =>
            {
                string name = string.IsNullOrEmpty(file) ? "index.html" : file;
                var stream = typeof(DashboardEndpoints).Assembly.GetManifestResourceStream("dashboard/" + name);
                if (stream is null || !ContentTypes.TryGetValue(Path.GetExtension(name), out string? type))
                {
                    stream?.Dispose();
                    return Results.NotFound();
                }
                return Results.Stream(stream, type);
            })
            .ExcludeFromDescription();
        app.MapGet("/healthz", () => Results.Ok(new { status = "ok" })).ExcludeFromDescription();
    }
}
