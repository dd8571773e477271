namespace UniHCP.Pipeline.Ingest.Tests;

/// <summary>Media the tests run on: Debian's sample video (fetched by infra/setup.sh) and clips made with FFmpeg.</summary>
internal static class TestAssets
{
    /// <summary>vtest.avi from Debian's opencv-doc package: 768x576, 10 frames/s, 795 frames.</summary>
    public static string SampleVideo
    {
        get
        {
            string? configured = Environment.GetEnvironmentVariable("UNIHCP_SAMPLE_VIDEO");
            if (!string.IsNullOrEmpty(configured) && File.Exists(configured))
                return configured;
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, ".local", "data", "vtest.avi");
                if (File.Exists(candidate))
                    return candidate;
            }
            throw new FileNotFoundException(
                "The sample video vtest.avi was not found: run the README's test command (infra/test.sh), which fetches it into .local/data, or set UNIHCP_SAMPLE_VIDEO.");
        }
    }
}
