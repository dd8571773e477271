using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using UniHCP.Pipeline.Store.Queries;

namespace UniHCP.Pipeline.Api.Endpoints;

/// <summary>Cameras, tracks, a track's detail and path, thumbnails.</summary>
internal static class TrackEndpoints
{
    /// <summary>A track with where and when it was seen.</summary>
    public sealed record TrackDetailResponse(TrackDetail Detail, IReadOnlyList<TrackPoint> Path);

    /// <summary>Still tracks and ignore areas around them (<see cref="StillTrackQueries"/>).</summary>
    public sealed record StillTracksResponse(IReadOnlyList<StillTrack> Tracks, Dictionary<string, List<Core.Geometry.IgnoreArea>> IgnoreAreas);

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/cameras", async (TrackQueries queries, CancellationToken ct) => Results.Ok(await queries.CamerasAsync(ct)))
            .Produces<IReadOnlyList<CameraSummary>>().WithName("ListCameras").WithSummary("Known cameras with their first and last activity.");

        api.MapGet("/tracks", async (TrackQueries queries, TimeProvider clock, CancellationToken ct,
                [FromQuery] string? from, [FromQuery] string? to, [FromQuery(Name = "camera")] string[]? cameras,
                [FromQuery] string? page, [FromQuery] string? pageSize) =>
            {
                var window = QueryParameters.Window(from, to, cameras, clock.GetUtcNow());
                return Results.Ok(await queries.ListAsync(window, QueryParameters.Paging(page, pageSize), ct));
            })
            .Produces<Page<TrackSummary>>().ProducesProblem(StatusCodes.Status400BadRequest).WithName("ListTracks").WithSummary("Tracks seen in a time window (default: the last 7 days), newest first; optional cameras (repeat camera= or comma-separate).");

        api.MapGet("/tracks/still", async (StillTrackQueries queries, TimeProvider clock, CancellationToken ct,
                [FromQuery] string? from, [FromQuery] string? to, [FromQuery(Name = "camera")] string[]? cameras,
                [FromQuery] string? minDuration, [FromQuery] string? maxSpread) =>
            {
                var window = QueryParameters.Window(from, to, cameras, clock.GetUtcNow());
                var still = await queries.FindAsync(window, QueryParameters.Duration(minDuration, "minDuration", TimeSpan.FromSeconds(20)),
                    QueryParameters.Double(maxSpread, "maxSpread", 0.2, 0.001, 10), ct);
                return Results.Ok(new StillTracksResponse(still, StillTrackQueries.SuggestAreas(still)));
            })
            .Produces<StillTracksResponse>().ProducesProblem(StatusCodes.Status400BadRequest).WithName("ListStillTracks")
            .WithSummary("Tracks of at least minDuration (default 20s) whose foot point ranged over at most maxSpread (default 0.2) of their box height - people standing still, or objects taken for persons - with ignore areas around them (Inference:IgnoreAreas) to check.");

        api.MapGet("/tracks/{camera}/{track}", async (TrackQueries queries, string camera, string track, [FromQuery] string? detectionsOnly, CancellationToken ct) =>
            {
                long id = QueryParameters.Long(track, "track");
                bool only = QueryParameters.Bool(detectionsOnly, "detectionsOnly");
                var detail = await queries.DetailAsync(camera, id, ct);
                if (detail is null)
                    return Problems.Status(StatusCodes.Status404NotFound, "Not found", $"no track {camera}/{id}.");
                return Results.Ok(new TrackDetailResponse(detail, await queries.PathAsync(camera, id, detectionsOnly: only, cancellationToken: ct)));
            })
            .Produces<TrackDetailResponse>().ProducesProblem(StatusCodes.Status404NotFound).WithName("GetTrack")
            .WithSummary("A track: mean attributes, the same identity on other cameras, and its boxes over time (frames where it was lost filled in and flagged interpolated unless detectionsOnly=true).");

        api.MapGet("/tracks/{camera}/{track}/thumbnail", async (TrackQueries queries, string camera, string track, HttpContext context, CancellationToken ct) =>
            {
                long id = QueryParameters.Long(track, "track");
                var jpeg = await queries.ThumbnailAsync(camera, id, ct);
                if (jpeg is null)
                    return Problems.Status(StatusCodes.Status404NotFound, "Not found", $"no thumbnail for track {camera}/{id}.");
                context.Response.Headers.CacheControl = "private, max-age=60";
                return Results.File(jpeg, "image/jpeg");
            })
            .Produces(StatusCodes.Status200OK, contentType: "image/jpeg").ProducesProblem(StatusCodes.Status404NotFound).WithName("GetThumbnail").WithSummary("The best-scoring crop of a track (JPEG).");

        api.MapGet("/tracks/{camera}/{track}/strip", async (TrackQueries queries, string camera, string track, [FromQuery] string? limit, CancellationToken ct) =>
            {
                long id = QueryParameters.Long(track, "track");
                return Results.Ok(await queries.StripAsync(camera, id, QueryParameters.Int(limit, "limit", 24, 1, 500), ct));
            })
            .Produces<IReadOnlyList<StripCrop>>().ProducesProblem(StatusCodes.Status400BadRequest).WithName("GetThumbnailStrip")
            .WithSummary("A track's strip: its best crop per 10 s of video time (JPEG as base64), in time order; at most limit (default 24) spread over the track.");
    }
}
