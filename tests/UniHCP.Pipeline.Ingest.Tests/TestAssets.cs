namespace UniHCP.Pipeline.Ingest.Tests;

/// <summary>Media the tests run on: Debian's sample video (fetched by infra/setup.sh) and clips made with FFmpeg.</summary>
internal static class TestAssets
{
    /// <summary>vtest.avi from Debian's opencv-doc package: 768x576, 10 frames/s, 795 frames.</summary>
    public static string SampleVideo => Ingest.SampleVideo.Locate();
}
