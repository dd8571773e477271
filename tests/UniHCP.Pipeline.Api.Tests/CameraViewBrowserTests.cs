using System.Net.Http.Json;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Store.Tests;
using UniHCP.Pipeline.Store.Writing;

namespace UniHCP.Pipeline.Api.Tests;

/// <summary>
/// The camera view and the track page in headless Chromium: the camera's newest frame with its zones and lines and the
/// boxes of the newest stored frame, replaced live when a newer frame is stored; a track's path on its camera's frame,
/// its thumbnail strip, colours and attributes and the same person on another camera. Screenshots: camera-view.png
/// and track.png in the test artifacts folder.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class CameraViewBrowserTests(ApiServer server)
{
    /// <summary>cam-a's snapshot in every browser test: plain red, 768 x 432.</summary>
    internal static byte[] CamASnapshot { get; } = BrowserSession.PlainJpeg(768, 432, 220, 20, 20);

    // Three days after the seed: the live camera's frames stay out of the other tests' windows. Its boxes have no
    // track, so the seed's track counts stay as they are.
    private static readonly DateTimeOffset LiveStart = SeedData.T0.AddDays(3);

    [Fact]
    public async Task The_camera_view_draws_geometry_and_live_boxes_and_follows_new_frames()
    {
        await new CameraSnapshots(server.DataSource).WriteAsync("cam-live", LiveStart, 640, 360, BrowserSession.PlainJpeg(640, 360, 30, 60, 200), default);
        using (var client = server.Client())
        {
            var geometry = new
            {
                zones = new[] { new { name = "hall", points = new[] { new { x = 20, y = 20 }, new { x = 300, y = 20 }, new { x = 300, y = 300 } } } },
                lines = new[] { new { name = "gate", from = new { x = 400, y = 40 }, to = new { x = 400, y = 320 }, inSide = "Right" } },
            };
            (await client.PutAsJsonAsync("/api/cameras/cam-live/geometry", geometry)).EnsureSuccessStatusCode();
        }
        var writer = new TrackUpdateWriter(server.DataSource);
        await writer.WriteAsync([Frame(1, (100, 100), (500, 120))]);

        await using var browser = await BrowserSession.OpenAsync(1200, 1600);
        var page = browser.Page;
        await browser.GotoDashboardAsync(server);
        await browser.WaitAsync("() => [...document.getElementById('geo-camera').options].some(o => o.value === 'cam-live')");
        await page.SelectOptionAsync("#geo-camera", "cam-live");

        // The boxes and the camera's geometry arrive separately; wait for both.
        await browser.WaitAsync("() => document.getElementById('live-canvas').dataset.frame === '1' && document.getElementById('live-canvas').dataset.shapes === '2'");
        var canvas = page.Locator("#live-canvas");
        Assert.Equal(("2", "2", "1"), (await canvas.GetAttributeAsync("data-boxes"), await canvas.GetAttributeAsync("data-shapes"), await canvas.GetAttributeAsync("data-snapshot")));
        // The canvas is 640 wide like the frame: a box's left edge is drawn grey (no track) over the blue picture. One
        // read of the pixels (Chromium warns about repeated readbacks).
        var pixels = await page.EvaluateAsync<int[]>(
            "() => { const c = document.getElementById('live-canvas'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;" +
            " const at = (x, y) => [...d.slice((y * c.width + x) * 4, (y * c.width + x) * 4 + 3)]; return [...at(100, 200), ...at(600, 340)]; }");
        Assert.True(pixels[0] > 120 && pixels[1] > 140, $"the first box's edge is not drawn: rgb {pixels[0]}, {pixels[1]}, {pixels[2]}");
        Assert.True(pixels[5] > 150 && pixels[3] < 90, $"the camera's picture is not under the boxes: rgb {pixels[3]}, {pixels[4]}, {pixels[5]}");

        // A newer stored frame replaces the boxes without a reload.
        await writer.WriteAsync([Frame(2, (120, 100), (520, 120), (200, 60))]);
        await browser.WaitAsync("() => document.getElementById('live-canvas').dataset.frame === '2'");
        Assert.Equal("3", await canvas.GetAttributeAsync("data-boxes"));
        Assert.Contains("3 people", await page.TextContentAsync("#live-info"), StringComparison.Ordinal);

        await browser.ScreenshotAsync("camera-view.png", canvas);
        Assert.Empty(browser.Problems);
    }

    [Fact]
    public async Task The_track_page_draws_the_path_on_the_camera_frame_with_the_strip_and_the_same_person_elsewhere()
    {
        await new CameraSnapshots(server.DataSource).WriteAsync("cam-a", SeedData.T0, 768, 432, CamASnapshot, default);

        await using var browser = await BrowserSession.OpenAsync(1200, 1800);
        var page = browser.Page;
        // A link to the track page: cam-a/1 is the seed's P1 (red over blue), seen again on cam-b as the same person.
        await browser.GotoDashboardAsync(server, "track=cam-a/1");

        await browser.WaitAsync("() => !document.getElementById('detail').hidden && Number(document.getElementById('path-chart').dataset.points || 0) > 0");
        Assert.Equal("Track cam-a #1", await page.TextContentAsync("#detail-title"));
        var path = page.Locator("#path-chart");
        Assert.Equal(("1", "21"), (await path.GetAttributeAsync("data-snapshot"), await path.GetAttributeAsync("data-points")));
        // Drawn on the red frame; the path's foot points (y 120 of 432) in yellow over it.
        Assert.True(await page.EvaluateAsync<bool>(
            "() => { const c = document.getElementById('path-chart'); const d = c.getContext('2d').getImageData(c.width - 5, 5, 1, 1).data; return d[0] > 180 && d[1] < 80; }"),
            "the camera's frame is not under the path");
        // The strip: the best crop of each 10 s of the track's 0-20 s.
        await browser.WaitAsync("() => document.querySelectorAll('#detail-strip img').length === 3 && [...document.querySelectorAll('#detail-strip img')].every(i => i.complete && i.naturalWidth > 0)");
        Assert.Contains("red / blue", await page.TextContentAsync("#detail-facts"), StringComparison.Ordinal);
        Assert.True(await page.Locator("#detail-attributes tr").CountAsync() >= 3);
        await browser.WaitAsync("() => document.querySelectorAll('#detail-same .result').length === 1");
        Assert.Contains("cam-b #1", await page.Locator("#detail-same .result").InnerTextAsync(), StringComparison.Ordinal);
        // The page's address now names the track (and never the key).
        Assert.EndsWith("#track=cam-a/1", page.Url, StringComparison.Ordinal);

        await browser.ScreenshotAsync("track.png", page.Locator("#detail"));
        Assert.Empty(browser.Problems);
    }

    private static TrackUpdate Frame(long sequence, params (float X, float Y)[] corners)
    {
        var people = corners.Select((c, i) => new PersonObservation(i, new BoundingBox(c.X, c.Y, c.X + 40, c.Y + 120), 0.9f)).ToList();
        return new TrackUpdate("cam-live", sequence, LiveStart.AddSeconds(sequence), [], people, "test");
    }
}
