using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using UniHCP.Pipeline.Store.Queries;

namespace UniHCP.Pipeline.Api.Endpoints;

/// <summary>The camera view's live boxes: the newest stored frame's boxes of a camera, streamed as they are stored.</summary>
internal static class CameraLiveEndpoints
{
    private static readonly JsonSerializerOptions StreamJson = new(JsonSerializerDefaults.Web);

    public static void Map(RouteGroupBuilder api, ApiOptions options)
    {
        api.MapGet("/cameras/{camera}/live", async (LiveBoxQueries queries, HttpContext context, string camera) =>
            {
                var ct = context.RequestAborted;
                // Validate before the stream starts, so a bad camera id is a 400 with a reason rather than a broken stream.
                var newest = await queries.NewestAsync(camera, cancellationToken: ct);
                var last = newest?.CaptureTime;
                context.Response.ContentType = "text/event-stream";
                context.Response.Headers.CacheControl = "no-cache";
                await context.Response.WriteAsync(": connected\n\n", ct);
                var quiet = TimeSpan.Zero;
                try
                {
                    for (;;)
                    {
                        if (newest is not null)
                        {
                            await context.Response.WriteAsync($"event: boxes\ndata: {JsonSerializer.Serialize(newest, StreamJson)}\n\n", ct);
                            quiet = TimeSpan.Zero;
                        }
                        else if ((quiet += options.EventPollInterval) >= TimeSpan.FromSeconds(15))
                        {
                            await context.Response.WriteAsync(": keep-alive\n\n", ct); // proxies close idle connections
                            quiet = TimeSpan.Zero;
                        }
                        await context.Response.Body.FlushAsync(ct);
                        await Task.Delay(options.EventPollInterval, ct);
                        newest = await queries.NewestAsync(camera, last, ct);
                        last = newest?.CaptureTime ?? last;
                    }
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    // The client went away.
                }
            })
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream").ProducesProblem(StatusCodes.Status400BadRequest).WithName("StreamCameraBoxes")
            .WithSummary("Server-Sent Events: the boxes (track id, x1, y1, x2, y2 in frame pixels, score) of the camera's newest stored frame, now and whenever a newer frame is stored (event: boxes).");
    }
}
