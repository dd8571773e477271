using Microsoft.Playwright;

namespace UniHCP.Pipeline.Api.Tests;

/// <summary>
/// The dashboard in headless Chromium (Debian's /usr/bin/chromium driven by Playwright): it loads
/// without console errors, draws the activity chart, and runs an attribute search whose results
/// show thumbnails. A screenshot is kept in .local/test-artifacts (or $UNIHCP_TEST_ARTIFACTS).
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class DashboardBrowserTests(ApiServer server)
{
    [Fact]
    public async Task The_dashboard_loads_draws_the_chart_and_runs_an_attribute_search()
    {
        await using var browser = await BrowserSession.OpenAsync(1200, 1400);
        var page = browser.Page;
        await browser.GotoDashboardAsync(server);

        // The chart reports how many buckets it drew once the dashboard data arrived.
        await page.WaitForFunctionAsync("() => Number(document.getElementById('activity-chart').dataset.points || 0) > 0", null, new() { Timeout = 30_000 });
        Assert.Equal("8", await page.TextContentAsync("#tracks-count"));
        // Series are saturated colours; grid and text are grey.
        bool chartHasInk = await page.EvaluateAsync<bool>(
            "() => { const c = document.getElementById('activity-chart'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;" +
            " let n = 0; for (let i = 0; i < d.length; i += 4) { if (Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 120) n++; } return n > 200; }");
        Assert.True(chartHasInk, "the activity chart has no series drawn");

        await page.FillAsync("#conditions", "Female>=0.6, Backpack");
        await page.ClickAsync("#attribute-search");
        await page.WaitForSelectorAsync("#results .result", new() { Timeout = 30_000 });
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('#results .result img')].every(i => i.complete && i.naturalWidth > 0)", null, new() { Timeout = 30_000 });
        Assert.Equal(3, await page.Locator("#results .result").CountAsync());
        Assert.Contains("3 matching tracks", await page.TextContentAsync("#results-title"), StringComparison.Ordinal);

        // Track detail: where and when.
        await page.Locator("#results .result").First.ClickAsync();
        await page.WaitForSelectorAsync("#detail:not([hidden])");
        Assert.StartsWith("Track cam-", await page.TextContentAsync("#detail-title"), StringComparison.Ordinal);

        await browser.ScreenshotAsync("dashboard.png");
        Assert.Empty(browser.Problems);
    }

}
