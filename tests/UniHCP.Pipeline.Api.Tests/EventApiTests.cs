using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Store.Writing;

namespace UniHCP.Pipeline.Api.Tests;

/// <summary>Geometry editing, counts, the event list and the live event stream over HTTP.</summary>
[Collection(ApiCollection.Name)]
public sealed class EventApiTests(ApiServer server)
{
    private static readonly DateTimeOffset T0 = new(2026, 10, 5, 9, 0, 0, TimeSpan.Zero);
    private static readonly string Window = $"from={Uri.EscapeDataString(T0.ToString("O"))}&to={Uri.EscapeDataString(T0.AddHours(3).ToString("O"))}";

    private const string Door = """{ "frameWidth": 640, "frameHeight": 480, "lines": [ { "name": "door", "from": { "x": 100, "y": 0 }, "to": { "x": 100, "y": 400 }, "inSide": "Right" } ], "zones": [ { "name": "desk", "points": [ { "x": 200, "y": 200 }, { "x": 300, "y": 200 }, { "x": 300, "y": 300 } ], "dwellThreshold": "00:00:20" } ] }""";

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<string> BodyAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        return body;
    }

    [Fact]
    public async Task Geometry_is_created_read_refused_when_invalid_and_deleted_while_old_versions_stay_readable()
    {
        using var client = server.Client();
        var put = JsonDocument.Parse(await BodyAsync(await client.PutAsync("/api/cameras/geo-api/geometry", Json(Door)), HttpStatusCode.OK)).RootElement;
        Assert.Equal(1, put.GetProperty("version").GetInt32());
        Assert.Equal(1, JsonDocument.Parse(await BodyAsync(await client.PutAsync("/api/cameras/geo-api/geometry", Json(Door)), HttpStatusCode.OK)).RootElement.GetProperty("version").GetInt32());

        var got = JsonDocument.Parse(await BodyAsync(await client.GetAsync("/api/cameras/geo-api/geometry"), HttpStatusCode.OK)).RootElement;
        var line = got.GetProperty("geometry").GetProperty("lines")[0];
        Assert.Equal(("door", 400.0), (line.GetProperty("name").GetString(), line.GetProperty("to").GetProperty("y").GetDouble()));
        Assert.Equal(20, TimeSpan.Parse(got.GetProperty("geometry").GetProperty("zones")[0].GetProperty("dwellThreshold").GetString()!, System.Globalization.CultureInfo.InvariantCulture).TotalSeconds);

        string bowtie = """{ "zones": [ { "name": "bowtie", "points": [ { "x": 0, "y": 0 }, { "x": 100, "y": 100 }, { "x": 100, "y": 0 }, { "x": 0, "y": 100 } ] } ] }""";
        string refused = await BodyAsync(await client.PutAsync("/api/cameras/geo-api/geometry", Json(bowtie)), HttpStatusCode.BadRequest);
        Assert.Contains("zone 'bowtie'", refused, StringComparison.Ordinal);
        string outside = Door.Replace("\"x\": 300, \"y\": 300", "\"x\": 900, \"y\": 300", StringComparison.Ordinal);
        Assert.Contains("outside the 640x480 frame", await BodyAsync(await client.PutAsync("/api/cameras/geo-api/geometry", Json(outside)), HttpStatusCode.BadRequest), StringComparison.Ordinal);
        Assert.Contains("zones", await BodyAsync(await client.PutAsync("/api/cameras/geo-api/geometry", Json("{ \"zones\": [ 7 ] }")), HttpStatusCode.BadRequest), StringComparison.Ordinal);
        // A misspelt field is refused by name and place, not dropped (which left "a zone needs at least 3 points; it has 0").
        string misspelt = await BodyAsync(await client.PutAsync("/api/cameras/geo-api/geometry", Json("""{ "zones": [ { "name": "door", "polygon": [ [0, 0], [9, 0], [9, 9] ] } ] }""")), HttpStatusCode.BadRequest);
        Assert.Contains("'polygon'", misspelt, StringComparison.Ordinal);
        Assert.Contains("$.zones[0].polygon", misspelt, StringComparison.Ordinal);
        Assert.Contains("$.zones[0].points[0].x", await BodyAsync(await client.PutAsync("/api/cameras/geo-api/geometry", Json("""{ "zones": [ { "name": "door", "points": [ { "x": "left" } ] } ] }""")), HttpStatusCode.BadRequest), StringComparison.Ordinal);
        string plain = await BodyAsync(await client.PutAsync("/api/cameras/geo-api/geometry", new StringContent("door", System.Text.Encoding.UTF8, "text/plain")), HttpStatusCode.UnsupportedMediaType);
        Assert.Contains("application/json", plain, StringComparison.Ordinal);

        Assert.Equal(2, JsonDocument.Parse(await BodyAsync(await client.DeleteAsync("/api/cameras/geo-api/geometry"), HttpStatusCode.OK)).RootElement.GetProperty("version").GetInt32());
        var latest = JsonDocument.Parse(await BodyAsync(await client.GetAsync("/api/cameras/geo-api/geometry"), HttpStatusCode.OK)).RootElement;
        Assert.Equal(0, latest.GetProperty("geometry").GetProperty("lines").GetArrayLength());
        var first = JsonDocument.Parse(await BodyAsync(await client.GetAsync("/api/cameras/geo-api/geometry?version=1"), HttpStatusCode.OK)).RootElement;
        Assert.Equal(1, first.GetProperty("geometry").GetProperty("lines").GetArrayLength());
        var none = JsonDocument.Parse(await BodyAsync(await client.GetAsync("/api/cameras/nobody-here/geometry"), HttpStatusCode.OK)).RootElement;
        Assert.Equal((0, 0), (none.GetProperty("version").GetInt32(), none.GetProperty("geometry").GetProperty("zones").GetArrayLength()));
        await BodyAsync(await client.GetAsync("/api/cameras/geo-api/geometry?version=9"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Ignore_areas_are_edited_read_refused_when_invalid_and_removed_as_a_new_version()
    {
        await new CameraSnapshots(server.DataSource).WriteAsync("mask-api", T0, 640, 480, ImageCodecJpeg(90), default);
        using var client = server.Client();
        var none = JsonDocument.Parse(await BodyAsync(await client.GetAsync("/api/cameras/mask-api/ignore-areas"), HttpStatusCode.OK)).RootElement;
        Assert.Equal((0, 0), (none.GetProperty("version").GetInt32(), none.GetProperty("areas").GetArrayLength()));

        const string sign = """{ "areas": [ { "name": "sign", "points": [ { "x": 28, "y": 130 }, { "x": 44, "y": 130 }, { "x": 44, "y": 146 }, { "x": 28, "y": 146 } ] } ] }""";
        Assert.Equal(1, JsonDocument.Parse(await BodyAsync(await client.PutAsync("/api/cameras/mask-api/ignore-areas", Json(sign)), HttpStatusCode.OK)).RootElement.GetProperty("version").GetInt32());
        Assert.Equal(1, JsonDocument.Parse(await BodyAsync(await client.PutAsync("/api/cameras/mask-api/ignore-areas", Json(sign)), HttpStatusCode.OK)).RootElement.GetProperty("version").GetInt32());
        var got = JsonDocument.Parse(await BodyAsync(await client.GetAsync("/api/cameras/mask-api/ignore-areas"), HttpStatusCode.OK)).RootElement;
        Assert.Equal(("api", "sign", 146.0), (got.GetProperty("source").GetString(), got.GetProperty("areas")[0].GetProperty("name").GetString(),
            got.GetProperty("areas")[0].GetProperty("points")[2].GetProperty("y").GetDouble()));

        string bowtie = """{ "areas": [ { "name": "bowtie", "points": [ { "x": 0, "y": 0 }, { "x": 100, "y": 100 }, { "x": 100, "y": 0 }, { "x": 0, "y": 100 } ] } ] }""";
        Assert.Contains("ignore area 'bowtie': the outline crosses itself", await BodyAsync(await client.PutAsync("/api/cameras/mask-api/ignore-areas", Json(bowtie)), HttpStatusCode.BadRequest), StringComparison.Ordinal);
        string outside = sign.Replace("\"x\": 44, \"y\": 146", "\"x\": 700, \"y\": 146", StringComparison.Ordinal);
        Assert.Contains("point 3 (700, 146) lies outside the 640x480 frame", await BodyAsync(await client.PutAsync("/api/cameras/mask-api/ignore-areas", Json(outside)), HttpStatusCode.BadRequest), StringComparison.Ordinal);
        Assert.Contains("(empty removes them all)", await BodyAsync(await client.PutAsync("/api/cameras/mask-api/ignore-areas", Json("{}")), HttpStatusCode.BadRequest), StringComparison.Ordinal);
        await BodyAsync(await client.PutAsync("/api/cameras/mask-api/ignore-areas", Json("{ \"areas\": [ 7 ] }")), HttpStatusCode.BadRequest);
        await BodyAsync(await client.GetAsync("/api/cameras/bad%20camera!/ignore-areas"), HttpStatusCode.BadRequest);

        Assert.Equal(2, JsonDocument.Parse(await BodyAsync(await client.DeleteAsync("/api/cameras/mask-api/ignore-areas"), HttpStatusCode.OK)).RootElement.GetProperty("version").GetInt32());
        var removed = JsonDocument.Parse(await BodyAsync(await client.GetAsync("/api/cameras/mask-api/ignore-areas"), HttpStatusCode.OK)).RootElement;
        Assert.Equal((2, 0), (removed.GetProperty("version").GetInt32(), removed.GetProperty("areas").GetArrayLength()));
        await BodyAsync(await client.DeleteAsync("/api/cameras/mask-api/ignore-areas"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_cameras_newest_snapshot_is_served_and_listed_and_an_older_one_does_not_replace_it()
    {
        var snapshots = new CameraSnapshots(server.DataSource);
        var newer = ImageCodecJpeg(40);
        await snapshots.WriteAsync("cam-b", T0.AddMinutes(10), 32, 24, newer, default);
        await snapshots.WriteAsync("cam-b", T0, 32, 24, ImageCodecJpeg(200), default);
        using var client = server.Client();
        var response = await client.GetAsync("/api/cameras/cam-b/snapshot");
        Assert.Equal("image/jpeg", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(newer, await response.Content.ReadAsByteArrayAsync());
        var cameras = JsonDocument.Parse(await client.GetStringAsync("/api/cameras")).RootElement;
        Assert.True(cameras.EnumerateArray().Single(c => c.GetProperty("id").GetString() == "cam-b").GetProperty("hasSnapshot").GetBoolean());
        Assert.False(cameras.EnumerateArray().Single(c => c.GetProperty("id").GetString() == "cam-c").GetProperty("hasSnapshot").GetBoolean());
        await BodyAsync(await client.GetAsync("/api/cameras/cam-c/snapshot"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Without_a_frame_size_the_cameras_snapshot_bounds_the_points_and_is_recorded()
    {
        await new CameraSnapshots(server.DataSource).WriteAsync("geo-snap", T0, 32, 24, ImageCodecJpeg(90), default);
        using var client = server.Client();
        const string outside = """{ "zones": [ { "name": "desk", "points": [ { "x": 2, "y": 2 }, { "x": 40, "y": 2 }, { "x": 20, "y": 20 } ] } ] }""";
        string refused = await BodyAsync(await client.PutAsync("/api/cameras/geo-snap/geometry", Json(outside)), HttpStatusCode.BadRequest);
        Assert.Contains("zone 'desk': point 2", refused, StringComparison.Ordinal);
        Assert.Contains("outside the 32x24 frame", refused, StringComparison.Ordinal);

        const string inside = """{ "zones": [ { "name": "desk", "points": [ { "x": 2, "y": 2 }, { "x": 30, "y": 2 }, { "x": 20, "y": 20 } ] } ] }""";
        await BodyAsync(await client.PutAsync("/api/cameras/geo-snap/geometry", Json(inside)), HttpStatusCode.OK);
        var stored = JsonDocument.Parse(await client.GetStringAsync("/api/cameras/geo-snap/geometry")).RootElement.GetProperty("geometry");
        Assert.Equal((32, 24), (stored.GetProperty("frameWidth").GetInt32(), stored.GetProperty("frameHeight").GetInt32()));
    }

    private static byte[] ImageCodecJpeg(byte grey) =>
        Inference.Processing.ImageCodec.EncodeJpeg(new Inference.Processing.RgbImage(32, 24, Enumerable.Repeat(grey, 32 * 24 * 3).ToArray()));

    [Fact]
    public async Task Counts_come_as_json_or_csv_and_events_filter_by_kind_with_bad_parameters_named()
    {
        var events = Enumerable.Range(0, 4).SelectMany(i => new[]
        {
            new ZoneEvent("count-api", i * 10, T0.AddMinutes(i * 40), ZoneEventKind.LineIn, "door", 1, i + 1, null, TimeSpan.Zero, 0),
            new ZoneEvent("count-api", (i * 10) + 5, T0.AddMinutes((i * 40) + 1), ZoneEventKind.Exit, "desk", 1, i + 1, null, TimeSpan.FromSeconds(12), 0),
        }).ToList();
        await new ZoneEventLog(server.DataSource).CommitAsync(events, [], default);
        using var client = server.Client();
        var counts = JsonDocument.Parse(await BodyAsync(await client.GetAsync($"/api/counts?{Window}&camera=count-api&bucket=1h"), HttpStatusCode.OK)).RootElement;
        var door = counts.EnumerateArray().Where(r => r.GetProperty("geometry").GetString() == "door").Select(r => r.GetProperty("in").GetInt32()).ToList();
        Assert.Equal([2, 1, 1], door);
        var csv = await client.GetAsync($"/api/counts?{Window}&camera=count-api&bucket=1h&format=csv");
        string text = await BodyAsync(csv, HttpStatusCode.OK);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("bucket,camera,geometry,in,out,enter,exit,dwell,crowding,peak_occupancy\n", text, StringComparison.Ordinal);
        Assert.Contains("2026-10-05T09:00:00Z,count-api,door,2,0,0,0,0,0,0", text, StringComparison.Ordinal);

        var page = JsonDocument.Parse(await BodyAsync(await client.GetAsync($"/api/events?{Window}&camera=count-api&kind=exit"), HttpStatusCode.OK)).RootElement;
        Assert.Equal(4, page.GetProperty("total").GetInt32());
        Assert.All(page.GetProperty("items").EnumerateArray(), e => Assert.Equal(("exit", 12.0), (e.GetProperty("kind").GetString(), e.GetProperty("durationSeconds").GetDouble())));
        var dwell = JsonDocument.Parse(await BodyAsync(await client.GetAsync($"/api/dwell?{Window}&camera=count-api"), HttpStatusCode.OK)).RootElement;
        Assert.Equal(4, dwell[0].GetProperty("visits").GetInt32());

        Assert.Contains("kind", await BodyAsync(await client.GetAsync($"/api/events?{Window}&kind=teleport"), HttpStatusCode.BadRequest), StringComparison.Ordinal);
        Assert.Contains("format", await BodyAsync(await client.GetAsync($"/api/counts?{Window}&format=xml"), HttpStatusCode.BadRequest), StringComparison.Ordinal);
        Assert.Contains("bucket", await BodyAsync(await client.GetAsync($"/api/counts?{Window}&bucket=often"), HttpStatusCode.BadRequest), StringComparison.Ordinal);
        // Checked before a stream opens or a camera is looked up: a bad id is a 400, not a silent stream or an empty geometry.
        Assert.Contains("'../door' is not a valid camera id", await BodyAsync(await client.GetAsync("/api/events/stream?camera=../door"), HttpStatusCode.BadRequest), StringComparison.Ordinal);
        Assert.Contains("is not a camera id", await BodyAsync(await client.GetAsync("/api/cameras/bad%20id/geometry"), HttpStatusCode.BadRequest), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_live_stream_delivers_new_events_as_they_are_stored_and_resumes_after_the_last_event_id()
    {
        using var client = server.Client();
        client.Timeout = TimeSpan.FromMinutes(1);
        var log = new ZoneEventLog(server.DataSource);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(45));
        using (var request = new HttpRequestMessage(HttpMethod.Get, "/api/events/stream?camera=live-api"))
        using (var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token))
        {
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
            Assert.Equal(": connected", await reader.ReadLineAsync(timeout.Token));
            // Stored after the stream opened: the stream starts at "now", so these are what it must deliver.
            await log.CommitAsync([
                new ZoneEvent("live-api", 1, T0, ZoneEventKind.LineIn, "door", 1, 5, 50, TimeSpan.Zero, 0),
                new ZoneEvent("other-cam", 1, T0, ZoneEventKind.LineIn, "door", 1, 5, 50, TimeSpan.Zero, 0),
                new ZoneEvent("live-api", 2, T0.AddSeconds(1), ZoneEventKind.LineOut, "door", 1, 6, null, TimeSpan.Zero, 0)], [], timeout.Token);
            var received = await ReadEventsAsync(reader, 2, timeout.Token);
            Assert.Equal(["line-in", "line-out"], received.Select(e => e.Data.GetProperty("kind").GetString()));
            Assert.All(received, e => Assert.Equal("live-api", e.Data.GetProperty("camera").GetString()));

            using var resume = new HttpRequestMessage(HttpMethod.Get, "/api/events/stream?camera=live-api");
            resume.Headers.Add("Last-Event-ID", received[0].Id);
            using var resumed = await client.SendAsync(resume, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            using var again = new StreamReader(await resumed.Content.ReadAsStreamAsync(timeout.Token));
            var replay = await ReadEventsAsync(again, 1, timeout.Token);
            Assert.Equal(received[1].Id, replay[0].Id);
        }
    }

    private static async Task<List<(string Id, JsonElement Data)>> ReadEventsAsync(StreamReader reader, int count, CancellationToken cancellationToken)
    {
        var events = new List<(string, JsonElement)>();
        string? id = null;
        while (events.Count < count)
        {
            string line = await reader.ReadLineAsync(cancellationToken) ?? throw new EndOfStreamException("the stream ended");
            if (line.StartsWith("id: ", StringComparison.Ordinal))
                id = line[4..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
                events.Add((id ?? throw new InvalidDataException("data before its id"), JsonDocument.Parse(line[6..]).RootElement.Clone()));
        }
        return events;
    }
}
