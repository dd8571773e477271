using UniHCP.Pipeline.Ingest;
using UniHCP.Pipeline.Training.Data;

namespace UniHCP.Pipeline.Cli.Tests;

/// <summary>`unihcp label` from the command line: a run on the sample with the installed teachers, and bad input.</summary>
public sealed class LabelCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("unihcp-label-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Labels_frames_of_the_sample_and_says_where_it_wrote_them()
    {
        string output = Path.Combine(_dir, "sample.json");

        var (exitCode, stdout, stderr) = await CliRunner.RunAsync("label", SampleVideo.Locate(), "--out", output, "--start", "100", "--end", "120", "--every", "10", "--no-pose");

        Assert.True(exitCode == 0, stdout + stderr);
        Assert.Contains("labelled 2 frames", stdout, StringComparison.Ordinal);
        Assert.Contains($"wrote {output}", stdout, StringComparison.Ordinal);
        var coco = CocoFile.Read(output);
        Assert.Equal(["frame_000100", "frame_000110"], coco.Images.Select(i => i.FileName));
        Assert.True(coco.Annotations.Count(a => a.Score >= 0.4) >= 6);
        Assert.All(coco.Annotations, a => Assert.Null(a.Keypoints));
    }

    [Fact]
    public async Task Missing_teachers_a_bad_selection_and_a_missing_source_are_errors_that_say_what_to_do()
    {
        string empty = Directory.CreateDirectory(Path.Combine(_dir, "no-teachers")).FullName;
        string output = Path.Combine(_dir, "x.json");

        var (code, _, error) = await CliRunner.RunAsync("label", SampleVideo.Locate(), "--out", output, "--teachers", empty);
        Assert.Equal(2, code);
        Assert.Contains($"not installed in '{empty}'", error, StringComparison.Ordinal);
        Assert.Contains("infra/setup.sh --for-training", error, StringComparison.Ordinal);

        (code, _, error) = await CliRunner.RunAsync("label", SampleVideo.Locate(), "--out", output, "--every", "0");
        Assert.Equal(2, code);
        Assert.Contains("--every must be >= 1 (got 0)", error, StringComparison.Ordinal);

        (code, _, error) = await CliRunner.RunAsync("label", Path.Combine(_dir, "nothing.mp4"), "--out", output);
        Assert.Equal(2, code);
        Assert.Contains("neither a video file, a folder of images nor a stream URL", error, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }
}
