using System.Diagnostics;
using UniHCP.Pipeline.Ingest;

namespace UniHCP.Pipeline.Cli.Tests;

/// <summary>Test videos made by the real ffmpeg: generated patterns and cuts of Debian's sample video.</summary>
internal static class Clips
{
    /// <summary>A 320x240 test pattern at 10 frames/s (no persons in it).</summary>
    public static Task PatternAsync(string path, int frames = 30) =>
        FfmpegAsync($"-f lavfi -i testsrc=size=320x240:rate=10 -frames:v {frames} -pix_fmt yuv420p -y \"{path}\"");

    /// <summary>The first frames of the sample video (768x576, pedestrians), re-encoded losslessly enough.</summary>
    public static Task SampleCutAsync(string path, int frames) =>
        FfmpegAsync($"-i \"{SampleVideo.Locate()}\" -frames:v {frames} -c:v mpeg4 -q:v 2 -y \"{path}\"");

    private static async Task FfmpegAsync(string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo("ffmpeg", "-hide_banner -nostdin -loglevel error " + arguments)
        {
            RedirectStandardError = true,
        })!;
        string stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, stderr);
    }
}
