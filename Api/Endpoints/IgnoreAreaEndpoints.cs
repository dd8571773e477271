using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Geometry;
using UniHCP.Pipeline.Store.Writing;

namespace UniHCP.Pipeline.Api.Endpoints;

/// <summary>Each camera's ignore areas (where detections are dropped before tracking), edited without a restart: the
/// running inference stage re-reads them (Inference:IgnoreAreasRefresh).</summary>
internal static class IgnoreAreaEndpoints
{
    /// <summary>A camera's areas in force: version 0 with none when none were ever recorded.</summary>
    public sealed record CameraIgnoreAreas(string Camera, int Version, string? Source, DateTimeOffset? Recorded, IReadOnlyList<IgnoreArea> Areas, string? Problem);

    /// <summary>The body of an edit: the camera's whole list of areas (empty removes them all).</summary>
    public sealed record IgnoreAreasEdit(List<IgnoreArea>? Areas);

    /// <summary>The version that now holds a camera's areas.</summary>
    public sealed record IgnoreAreasVersion(string Camera, int Version);

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/cameras/{camera}/ignore-areas", async (IgnoreAreaStore store, string camera, CancellationToken ct) =>
            {
                if (!CameraId.IsValid(camera))
                    return Problems.Status(StatusCodes.Status400BadRequest, "Bad camera", $"'{camera}' is not a camera id.");
                var stored = await store.ForCameraAsync(camera, ct);
                return Results.Ok(stored is null
                    ? new CameraIgnoreAreas(camera, 0, null, null, [], null)
                    : new CameraIgnoreAreas(camera, stored.Version, stored.Source, stored.Recorded, stored.Areas, stored.Problem));
            })
            .Produces<CameraIgnoreAreas>().ProducesProblem(StatusCodes.Status400BadRequest).WithName("GetIgnoreAreas")
            .WithSummary("A camera's ignore areas in force (from the configuration's Inference:IgnoreAreas or an edit, whichever is later), version 0 when none were ever recorded.");

        api.MapPut("/cameras/{camera}/ignore-areas", async (IgnoreAreaStore store, CameraSnapshots snapshots, string camera, IgnoreAreasEdit edit, CancellationToken ct) =>
            {
                if (!CameraId.IsValid(camera))
                    return Problems.Status(StatusCodes.Status400BadRequest, "Bad camera", $"'{camera}' is not a camera id.");
                if (edit.Areas is null)
                    return Problems.Status(StatusCodes.Status400BadRequest, "Invalid ignore areas", "give \"areas\": a list of { \"name\", \"points\": [{ \"x\", \"y\" }, ...] } (empty removes them all).");
                var problems = IgnoreArea.Problems(camera, edit.Areas).ToList();
                // Points must lie on the camera's picture when its size is known from a stored snapshot.
                if (problems.Count == 0 && await snapshots.SizeAsync(camera, ct) is { } frame)
                {
                    problems.AddRange(edit.Areas.SelectMany(a => a.Points.Select((p, i) => (a, p, i)))
                        .Where(x => x.p.X > frame.Width || x.p.Y > frame.Height)
                        .Select(x => $"camera '{camera}', ignore area '{x.a.Name}': point {x.i + 1} {x.p} lies outside the {frame.Width}x{frame.Height} frame."));
                }
                if (problems.Count > 0)
                    return Problems.Status(StatusCodes.Status400BadRequest, "Invalid ignore areas", string.Join(" ", problems));
                return Results.Ok(new IgnoreAreasVersion(camera, await store.RecordEditedAsync(camera, edit.Areas, ct)));
            })
            .Accepts<IgnoreAreasEdit>("application/json").Produces<IgnoreAreasVersion>().ProducesProblem(StatusCodes.Status400BadRequest).WithName("PutIgnoreAreas")
            .WithSummary("Replaces a camera's ignore areas (a new version unless unchanged): a detection whose foot point lies inside one is dropped before tracking, by running pipelines within Inference:IgnoreAreasRefresh. Polygons in frame pixels, at least 3 points, not crossing themselves, names unique per camera; inside the frame when the camera's snapshot gives its size.");

        api.MapDelete("/cameras/{camera}/ignore-areas", async (IgnoreAreaStore store, string camera, CancellationToken ct) =>
            {
                if (!CameraId.IsValid(camera))
                    return Problems.Status(StatusCodes.Status400BadRequest, "Bad camera", $"'{camera}' is not a camera id.");
                if (await store.ForCameraAsync(camera, ct) is not { Areas.Count: > 0 })
                    return Problems.Status(StatusCodes.Status404NotFound, "Not found", $"camera '{camera}' has no ignore areas.");
                return Results.Ok(new IgnoreAreasVersion(camera, await store.RecordEditedAsync(camera, [], ct)));
            })
            .Produces<IgnoreAreasVersion>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).WithName("DeleteIgnoreAreas")
            .WithSummary("Removes every ignore area of a camera (as a new, empty version).");
    }
}
