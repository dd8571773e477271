using System.Diagnostics;

namespace UniHCP.Pipeline.Cli.Tests;

public sealed class AnnotateCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("unihcp-annotate-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task It_writes_a_playable_video_with_every_frame_of_the_source()
    {
        string cut = Path.Combine(_dir, "cut.avi");
        await Clips.SampleCutAsync(cut, frames: 6);
        string output = Path.Combine(_dir, "seen.mp4");

        var (exitCode, stdout, stderr) = await CliRunner.RunAsync("annotate", "-s", cut, "--out", output, "--threshold", "0.1");

        Assert.True(exitCode == 0, stdout + stderr);
        Assert.Contains("6 frames", stdout, StringComparison.Ordinal);
        Assert.Equal("768,576,6", await ProbeAsync(output)); // width, height, frames - as the source
    }

    [Fact]
    public async Task A_missing_output_folder_or_source_is_refused_before_any_work()
    {
        var (code, _, error) = await CliRunner.RunAsync("annotate", "-s", "sample=" + Ingest.SampleVideo.Locate(), "--out", Path.Combine(_dir, "no", "such", "x.mp4"));
        Assert.Equal(2, code);
        Assert.Contains("does not exist", error, StringComparison.Ordinal);

        (code, _, error) = await CliRunner.RunAsync("annotate", "-s", Path.Combine(_dir, "none.avi"), "--out", Path.Combine(_dir, "x.mp4"));
        Assert.NotEqual(0, code);
        Assert.False(File.Exists(Path.Combine(_dir, "x.mp4")));
    }

    private static async Task<string> ProbeAsync(string path)
    {
        using var process = Process.Start(new ProcessStartInfo("ffprobe",
            $"-v error -count_frames -select_streams v:0 -show_entries stream=width,height,nb_read_frames -of csv=p=0 \"{path}\"")
        {
            RedirectStandardOutput = true,
        })!;
        string text = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return text.Trim();
    }
}
