using Microsoft.Playwright;
using UniHCP.Pipeline.Inference.Processing;

namespace UniHCP.Pipeline.Api.Tests;

/// <summary>
/// Headless Chromium (Debian's /usr/bin/chromium driven by Playwright) on the test server's dashboard: collects console
/// errors and warnings and page errors for the test to assert empty, and keeps screenshots in .local/test-artifacts
/// (or $UNIHCP_TEST_ARTIFACTS).
/// </summary>
internal sealed class BrowserSession : IAsyncDisposable
{
    private const string Chromium = "/usr/bin/chromium";
    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private BrowserSession(IPlaywright playwright, IBrowser browser, IPage page)
    {
        _playwright = playwright;
        _browser = browser;
        Page = page;
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
                Problems.Add($"console {message.Type}: {message.Text}");
        };
        page.PageError += (_, error) => Problems.Add("page error: " + error);
    }

    public IPage Page { get; }

    /// <summary>Console errors and warnings and uncaught page errors seen so far.</summary>
    public List<string> Problems { get; } = [];

    public static async Task<BrowserSession> OpenAsync(int width, int height)
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: infra/setup.sh installs Debian's chromium for the tests.");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"] });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = width, Height = height } });
        return new BrowserSession(playwright, browser, page);
    }

    /// <summary>Opens the dashboard with the API key (and more fragment parameters, e.g. track=cam-a/1).</summary>
    public Task GotoDashboardAsync(ApiServer server, string fragment = "") =>
        Page.GotoAsync(new Uri(server.BaseAddress, "/dashboard/#key=" + ApiServer.Key + (fragment.Length > 0 ? "&" + fragment : "")).ToString());

    public Task WaitAsync(string condition) => Page.WaitForFunctionAsync(condition, null, new() { Timeout = 30_000 });

    /// <summary>Saves a screenshot of the page (or of one part of it) and checks that it holds a picture.</summary>
    public async Task ScreenshotAsync(string name, ILocator? part = null)
    {
        string folder = Environment.GetEnvironmentVariable("UNIHCP_TEST_ARTIFACTS") ?? Path.Combine(RepositoryRoot(), ".local", "test-artifacts");
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, name);
        if (part is null)
            await Page.ScreenshotAsync(new() { Path = path, FullPage = true });
        else
            await part.ScreenshotAsync(new() { Path = path });
        Assert.True(new FileInfo(path).Length > 2_000, $"the screenshot {name} is nearly empty");
    }

    /// <summary>A plain-coloured JPEG picture, a camera's snapshot in the tests.</summary>
    public static byte[] PlainJpeg(int width, int height, byte red, byte green, byte blue)
    {
        var rgb = new byte[width * height * 3];
        for (int i = 0; i < rgb.Length; i += 3)
            (rgb[i], rgb[i + 1], rgb[i + 2]) = (red, green, blue);
        return ImageCodec.EncodeJpeg(new RgbImage(width, height, rgb));
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "UniHCP.Pipeline.sln")))
                return dir.FullName;
        }
        return Path.GetTempPath();
    }
}
