using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Geometry;
using UniHCP.Pipeline.Store.Queries;
using UniHCP.Pipeline.Store.Writing;

namespace UniHCP.Pipeline.Api.Endpoints;

/// <summary>Zones and lines per camera, the events they gave (list and live stream), counts and dwell.</summary>
internal static class EventEndpoints
{
    /// <summary>The version that now holds a camera's geometry.</summary>
    public sealed record GeometryVersion(string Camera, int Version);

    private static readonly JsonSerializerOptions StreamJson = new(JsonSerializerDefaults.Web);

    public static void Map(RouteGroupBuilder api, ApiOptions options)
    {
        api.MapGet("/cameras/{camera}/geometry", async (ZoneEventLog log, string camera, [FromQuery] string? version, CancellationToken ct) =>
            {
                if (!IsCameraId(camera))
                    return Problems.Status(StatusCodes.Status400BadRequest, "Bad camera", $"'{camera}' is not a camera id.");
                int? wanted = version is null ? null : QueryParameters.Int(version, "version", 1, 1, int.MaxValue);
                var geometry = await log.GeometryAsync(camera, wanted, ct);
                if (geometry is null && wanted is not null)
                    return Problems.Status(StatusCodes.Status404NotFound, "Not found", $"camera '{camera}' has no geometry version {wanted}.");
                // A camera nobody drew on has the empty geometry, version 0.
                geometry ??= new CameraGeometry();
                return Results.Ok(new { camera, version = geometry.Version, geometry });
            })
            .ProducesProblem(StatusCodes.Status404NotFound).WithName("GetGeometry")
            .WithSummary("A camera's zones and lines: the latest version (version 0, empty, when none was defined), or ?version=N (events keep the version they were counted with).");

        api.MapPut("/cameras/{camera}/geometry", async (ZoneEventLog log, CameraSnapshots snapshots, string camera, CameraGeometry geometry, CancellationToken ct) =>
            {
                if (!IsCameraId(camera))
                    return Problems.Status(StatusCodes.Status400BadRequest, "Bad camera", $"'{camera}' is not a camera id.");
                // Without a stated frame size, the camera's stored frame gives it: points must lie on the picture.
                if (geometry.FrameWidth is null && geometry.FrameHeight is null && await snapshots.SizeAsync(camera, ct) is { } frame)
                    (geometry.FrameWidth, geometry.FrameHeight) = frame;
                var problems = geometry.Problems(camera);
                if (problems.Count > 0)
                    return Problems.Status(StatusCodes.Status400BadRequest, "Invalid geometry", string.Join(" ", problems));
                return Results.Ok(new GeometryVersion(camera, await log.RecordEditedGeometryAsync(camera, geometry, ct)));
            })
            .Accepts<CameraGeometry>("application/json").Produces<GeometryVersion>().ProducesProblem(StatusCodes.Status400BadRequest).WithName("PutGeometry")
            .WithSummary("Replaces a camera's zones and lines (a new version unless unchanged; the events stage counts with it within Events:GeometryRefresh). Points in pixels, inside the frame (frameWidth/frameHeight, else the size of the camera's stored snapshot, which is then recorded); zones simple polygons; names unique per camera.");

        api.MapDelete("/cameras/{camera}/geometry", async (ZoneEventLog log, string camera, CancellationToken ct) =>
            {
                if (await log.GeometryAsync(camera, null, ct) is null)
                    return Problems.Status(StatusCodes.Status404NotFound, "Not found", $"camera '{camera}' has no geometry.");
                return Results.Ok(new GeometryVersion(camera, await log.RecordEditedGeometryAsync(camera, new CameraGeometry(), ct)));
            })
            .Produces<GeometryVersion>().ProducesProblem(StatusCodes.Status404NotFound).WithName("DeleteGeometry")
            .WithSummary("Removes every zone and line of a camera (as a new, empty version: earlier versions and their events stay).");

        api.MapGet("/cameras/{camera}/snapshot", async (CameraSnapshots snapshots, string camera, HttpContext context, CancellationToken ct) =>
            {
                var jpeg = await snapshots.ReadAsync(camera, ct);
                if (jpeg is null)
                    return Problems.Status(StatusCodes.Status404NotFound, "Not found", $"camera '{camera}' has no snapshot yet (the inference stage stores one every Inference:SnapshotEvery).");
                context.Response.Headers.CacheControl = "private, max-age=10";
                return Results.File(jpeg, "image/jpeg");
            })
            .Produces(StatusCodes.Status200OK, contentType: "image/jpeg").ProducesProblem(StatusCodes.Status404NotFound).WithName("GetSnapshot")
            .WithSummary("The camera's newest whole frame (JPEG; the zone editor's picture). /api/cameras says which cameras have one.");

        api.MapGet("/cameras/{camera}/footpoints", async (CountQueries queries, TimeProvider clock, string camera, CancellationToken ct,
                [FromQuery] string? from, [FromQuery] string? to, [FromQuery] string? limit) =>
                Results.Ok(await queries.FootPointsAsync(camera, QueryParameters.Window(from, to, null, clock.GetUtcNow()), QueryParameters.Int(limit, "limit", 4000, 1, 20_000), ct)))
            .Produces<IReadOnlyList<float[]>>().ProducesProblem(StatusCodes.Status400BadRequest).WithName("FootPoints")
            .WithSummary("Where people stood on a camera in a window: [x, y] foot points of detected boxes, newest first (the zone editor draws them).");

        api.MapGet("/counts", async (CountQueries queries, TimeProvider clock, HttpContext context, CancellationToken ct,
                [FromQuery] string? from, [FromQuery] string? to, [FromQuery(Name = "camera")] string[]? cameras, [FromQuery] string? bucket, [FromQuery] string? format) =>
            {
                var window = QueryParameters.Window(from, to, cameras, clock.GetUtcNow());
                var rows = await queries.CountsAsync(window, QueryParameters.Bucket(bucket) ?? TimeSpan.FromHours(1), ct);
                return Format(format) == "csv" ? Results.Text(CountCsv.Write(rows), "text/csv; charset=utf-8") : Results.Ok(rows);
            })
            .Produces<IReadOnlyList<CountRow>>().Produces(StatusCodes.Status200OK, contentType: "text/csv").ProducesProblem(StatusCodes.Status400BadRequest).WithName("Counts")
            .WithSummary("Per zone and line and time bucket (default 1h): line in/out, zone enter/exit/dwell/crowding and peak occupancy. format=csv for a spreadsheet.");

        api.MapGet("/dwell", async (CountQueries queries, TimeProvider clock, CancellationToken ct,
                [FromQuery] string? from, [FromQuery] string? to, [FromQuery(Name = "camera")] string[]? cameras) =>
                Results.Ok(await queries.DwellAsync(QueryParameters.Window(from, to, cameras, clock.GetUtcNow()), ct)))
            .Produces<IReadOnlyList<DwellSummary>>().ProducesProblem(StatusCodes.Status400BadRequest).WithName("Dwell")
            .WithSummary("Per zone: visits that ended in the window, median / 90th percentile / longest, and a histogram.");

        api.MapGet("/events", async (ZoneEventQueries queries, TimeProvider clock, CancellationToken ct,
                [FromQuery] string? from, [FromQuery] string? to, [FromQuery(Name = "camera")] string[]? cameras, [FromQuery(Name = "kind")] string[]? kinds,
                [FromQuery] string? geometry, [FromQuery] string? page, [FromQuery] string? pageSize) =>
            {
                var window = QueryParameters.Window(from, to, cameras, clock.GetUtcNow());
                var parsed = kinds is { Length: > 0 } ? kinds.SelectMany(k => k.Split(',', StringSplitOptions.RemoveEmptyEntries)).Select(ZoneEventQueries.ParseKind).ToList() : null;
                return Results.Ok(await queries.ListAsync(window, parsed, geometry, QueryParameters.Paging(page, pageSize), ct));
            })
            .Produces<Page<ZoneEventRow>>().ProducesProblem(StatusCodes.Status400BadRequest).WithName("ListEvents")
            .WithSummary("Zone and line events in a window, newest first; filter by kind (enter, exit, dwell, line-in, line-out, crowding; repeat or comma-separate) and geometry (a zone or line name).");

        api.MapGet("/events/stream", async (ZoneEventQueries queries, HttpContext context, [FromQuery(Name = "camera")] string[]? cameras, [FromQuery] string? after) =>
            {
                var ct = context.RequestAborted;
                var only = cameras is { Length: > 0 } ? cameras.SelectMany(c => c.Split(',', StringSplitOptions.RemoveEmptyEntries)).ToList() : null;
                // Checked before the stream starts, so a mistyped camera is a 400 with a reason, not a stream that stays silent.
                foreach (string camera in only ?? [])
                {
                    if (!IsCameraId(camera))
                        throw new QueryValidationException("camera", $"'{QueryValidationException.Shorten(camera)}' is not a valid camera id.");
                }
                // Resume where the browser left off (its Last-Event-ID), from ?after=, or from now.
                string? resume = context.Request.Headers["Last-Event-ID"].FirstOrDefault() ?? after;
                long position = resume is null ? await queries.LatestSeqAsync(ct) : QueryParameters.Long(resume, "after");
                context.Response.ContentType = "text/event-stream";
                context.Response.Headers.CacheControl = "no-cache";
                await context.Response.WriteAsync(": connected\n\n", ct);
                await context.Response.Body.FlushAsync(ct);
                var quiet = TimeSpan.Zero;
                try
                {
                    while (!ct.IsCancellationRequested)
                    {
                        var rows = await queries.AfterAsync(position, only, 500, ct);
                        var text = new StringBuilder();
                        foreach (var row in rows)
                        {
                            text.Append(CultureInfo.InvariantCulture, $"id: {row.Seq}\nevent: zone\ndata: {JsonSerializer.Serialize(row, StreamJson)}\n\n");
                            position = row.Seq;
                        }
                        quiet = rows.Count > 0 ? TimeSpan.Zero : quiet + options.EventPollInterval;
                        if (quiet >= TimeSpan.FromSeconds(15))
                        {
                            text.Append(": keep-alive\n\n"); // proxies close idle connections
                            quiet = TimeSpan.Zero;
                        }
                        if (text.Length > 0)
                        {
                            await context.Response.WriteAsync(text.ToString(), ct);
                            await context.Response.Body.FlushAsync(ct);
                        }
                        if (rows.Count < 500)
                            await Task.Delay(options.EventPollInterval, ct);
                    }
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    // The client went away.
                }
            })
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream").WithName("StreamEvents")
            .WithSummary("Server-Sent Events: each stored zone or line event as it arrives (event: zone, id: its position, data: the event as JSON). Resumes after Last-Event-ID or ?after=; otherwise starts now.");
    }

    private static bool IsCameraId(string camera) => CameraId.IsValid(camera);

    private static string Format(string? format) => format?.Trim().ToLowerInvariant() switch
    {
        null or "" or "json" => "json",
        "csv" => "csv",
        _ => throw new QueryValidationException("format", $"'{QueryValidationException.Shorten(format)}' is not a format; use json or csv."),
    };

}
