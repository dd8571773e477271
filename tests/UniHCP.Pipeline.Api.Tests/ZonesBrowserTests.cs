using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Playwright;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Geometry;
using UniHCP.Pipeline.Store.Tests;
using UniHCP.Pipeline.Store.Writing;

namespace UniHCP.Pipeline.Api.Tests;

/// <summary>
/// The dashboard's zones section in headless Chromium: counts chart and totals, the event list with thumbnails, the live
/// stream adding a new event, the editor saving a zone the API then returns, and the still tracks with the ignore areas
/// suggested around them. Screenshot: zones.png in the test
/// artifacts folder.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ZonesBrowserTests(ApiServer server)
{
    [Fact]
    public async Task Counts_events_the_live_list_and_the_zone_editor_work_in_the_browser()
    {
        var log = new ZoneEventLog(server.DataSource);
        var t0 = SeedData.T0;
        await log.CommitAsync([
            new ZoneEvent("cam-a", 5, t0.AddSeconds(5), ZoneEventKind.LineIn, "door", 1, 1, 100, TimeSpan.Zero, 0),
            new ZoneEvent("cam-a", 15, t0.AddSeconds(15), ZoneEventKind.LineOut, "door", 1, 2, 101, TimeSpan.Zero, 0),
            new ZoneEvent("cam-a", 20, t0.AddSeconds(20), ZoneEventKind.Enter, "desk", 1, 2, 101, TimeSpan.Zero, 1),
            new ZoneEvent("cam-a", 30, t0.AddSeconds(30), ZoneEventKind.Exit, "desk", 1, 2, 101, TimeSpan.FromSeconds(10), 0)], [], default);

        // The camera's newest frame, a plain red picture: the editor draws on it.
        await new CameraSnapshots(server.DataSource).WriteAsync("cam-a", t0, 768, 432, CameraViewBrowserTests.CamASnapshot, default);

        await using var browser = await BrowserSession.OpenAsync(1200, 2400);
        var page = browser.Page;
        await browser.GotoDashboardAsync(server);

        await page.WaitForFunctionAsync("() => document.getElementById('geo-camera').value === 'cam-a'", null, new() { Timeout = 30_000 });
        await page.WaitForFunctionAsync("() => Number(document.getElementById('counts-chart').dataset.bars || 0) > 0", null, new() { Timeout = 30_000 });
        var door = await page.Locator("#counts-totals tbody tr", new() { HasText = "door" }).AllInnerTextsAsync();
        Assert.Equal(["door", "1", "1", "0", "0", "0", "0", "0"], door.Single().Split('\t').Select(c => c.Trim()));
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('#events tbody img')].length === 4 && [...document.querySelectorAll('#events tbody img')].every(i => i.complete && i.naturalWidth > 0)",
            null, new() { Timeout = 30_000 });
        Assert.Equal(4, await page.Locator("#events tbody tr").CountAsync());
        Assert.Contains("exit", await page.Locator("#events tbody tr").First.InnerTextAsync(), StringComparison.Ordinal); // newest first

        // Live: an event stored now appears at the top of the list.
        await page.CheckAsync("#events-live");
        // The stream starts at "now": store the event only once it is connected.
        await page.WaitForFunctionAsync("() => document.getElementById('events').dataset.liveConnected === '1'", null, new() { Timeout = 30_000 });
        await log.CommitAsync([new ZoneEvent("cam-a", 35, t0.AddSeconds(35), ZoneEventKind.Dwell, "desk", 1, 1, 100, TimeSpan.FromSeconds(30), 1)], [], default);
        await page.WaitForFunctionAsync("() => document.getElementById('events').dataset.live === '1'", null, new() { Timeout = 30_000 });
        Assert.Contains("dwell", await page.Locator("#events tbody tr").First.InnerTextAsync(), StringComparison.Ordinal);
        await page.UncheckAsync("#events-live");

        // Editor: three clicks make a zone; saving stores it as the camera's geometry.
        await page.FillAsync("#geo-name", "lobby");
        await page.SelectOptionAsync("#geo-shape", "zone");
        var canvas = page.Locator("#geo-canvas");
        foreach (var (x, y) in new[] { (100, 100), (300, 100), (200, 250) })
            await canvas.ClickAsync(new() { Position = new() { X = x, Y = y } });
        await page.ClickAsync("#geo-add");
        // ... and three more an ignore area, which the save stores as the camera's ignore areas (the inference stage's).
        await page.FillAsync("#geo-name", "mat");
        await page.SelectOptionAsync("#geo-shape", "ignore");
        foreach (var (x, y) in new[] { (500, 300), (560, 300), (560, 360) })
            await canvas.ClickAsync(new() { Position = new() { X = x, Y = y } });
        await page.ClickAsync("#geo-add");
        await page.ClickAsync("#geo-save");
        await page.WaitForFunctionAsync("() => Number(document.getElementById('geo-canvas').dataset.savedVersion || 0) > 0", null, new() { Timeout = 30_000 });
        Assert.Equal("1", await canvas.GetAttributeAsync("data-ignore-version"));
        Assert.Equal("1", await canvas.GetAttributeAsync("data-ignore"));
        var mat = Assert.Single((await new IgnoreAreaStore(server.DataSource).ForCameraAsync("cam-a", default))!.Areas);
        Assert.Equal(("mat", 3), (mat.Name, mat.Points.Count));
        using var client = server.Client();
        var saved = JsonDocument.Parse(await client.GetStringAsync("/api/cameras/cam-a/geometry")).RootElement.GetProperty("geometry");
        var zone = saved.GetProperty("zones")[0];
        Assert.Equal("lobby", zone.GetProperty("name").GetString());
        Assert.Equal(3, zone.GetProperty("points").GetArrayLength());
        Assert.Equal("1", await canvas.GetAttributeAsync("data-shapes"));
        Assert.Equal("1", await canvas.GetAttributeAsync("data-snapshot"));
        bool drawn = await page.EvaluateAsync<bool>("() => { const d = document.getElementById('geo-canvas').getContext('2d').getImageData(700, 400, 1, 1).data; return d[0] > 180 && d[1] < 80; }");
        Assert.True(drawn, "the snapshot is drawn under the geometry");

        // Still tracks: the seed's person 1 on cam-a barely moves; the square suggested around its feet is drawn on the
        // picture and given as the configuration fragment, which binds and validates as Inference:IgnoreAreas does.
        await page.ClickAsync("#still-find");
        await page.WaitForFunctionAsync("() => Number(document.getElementById('still-canvas').dataset.areas || 0) > 0", null, new() { Timeout = 30_000 });
        Assert.StartsWith("#1", (await page.Locator("#still tbody tr").First.InnerTextAsync()).Trim(), StringComparison.Ordinal);
        string fragment = await page.Locator("#still-config").InnerTextAsync();
        var areas = new ConfigurationBuilder().AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(fragment))).Build()
            .GetSection("Inference:IgnoreAreas").Get<Dictionary<string, List<IgnoreArea>>>();
        var area = Assert.Single(Assert.Contains("cam-a", areas!));
        Assert.Equal("still 1", area.Name);
        Assert.Empty(IgnoreArea.Problems("cam-a", [area]));
        Assert.DoesNotContain("length", fragment, StringComparison.OrdinalIgnoreCase); // only what the configuration knows

        // Added to the camera's ignore areas from the page (running pipelines re-read them): stored as an edit, drawn as in
        // force, no longer suggested; then removed again as a new, empty version.
        await page.ClickAsync("#still-save");
        await page.WaitForFunctionAsync("() => document.getElementById('still-in-force').textContent.includes('2 ignore area(s), version 2')", null, new() { Timeout = 30_000 });
        var stored = await new IgnoreAreaStore(server.DataSource).ForCameraAsync("cam-a", default);
        Assert.Equal("api", stored!.Source);
        Assert.Equal(["mat", "still 1"], stored.Areas.Select(a => a.Name));
        Assert.Equal(area.Points.Select(p => (p.X, p.Y)), stored.Areas[1].Points.Select(p => (p.X, p.Y)));
        Assert.Equal("2", await canvas.GetAttributeAsync("data-ignore")); // the editor shows them too
        Assert.Equal("0", await page.Locator("#still-canvas").GetAttributeAsync("data-areas"));
        Assert.True(await page.Locator("#still-save").IsDisabledAsync());
        await page.ClickAsync("#still-clear");
        await page.WaitForFunctionAsync("() => document.getElementById('still-in-force').textContent.includes('0 ignore area(s), version 3')", null, new() { Timeout = 30_000 });
        Assert.Empty((await new IgnoreAreaStore(server.DataSource).ForCameraAsync("cam-a", default))!.Areas);
        Assert.Equal("1", await page.Locator("#still-canvas").GetAttributeAsync("data-areas"));

        await browser.ScreenshotAsync("zones.png", page.Locator("#zones"));
        Assert.Empty(browser.Problems);
    }

}
