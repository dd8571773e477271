using UniHCP.Pipeline.Ingest;

namespace UniHCP.Pipeline.Cli.Tests;

public sealed class IngestCommandTests
{
    [Fact]
    public async Task Without_sources_it_decodes_the_default_source_and_prints_795_frames_and_a_rate()
    {
        // What the set-up configures in .local/env for the development machine: the sample video as Ingest:DefaultSource.
        string config = Path.GetTempFileName();
        await File.WriteAllTextAsync(config, $$"""{ "Ingest": { "DefaultSource": "sample={{SampleVideo.Locate()}}" } }""");

        var (exitCode, output, error) = await CliRunner.RunAsync("ingest", "--config", config);
        File.Delete(config);

        Assert.True(exitCode == 0, error);
        var sample = Row(output, "sample");
        Assert.Equal(["sample", "completed", "795", "0", "768x576"], sample[..5]);
        Assert.Matches(@"^\d+\.\d+ s$", sample[5] + " " + sample[6]);
        Assert.True(double.Parse(sample[7], System.Globalization.CultureInfo.InvariantCulture) > 0, "a decode rate is printed");
    }

    [Fact]
    public async Task Sources_rate_and_size_come_from_the_command_line_and_a_bad_camera_fails_alone()
    {
        string dir = Directory.CreateTempSubdirectory("unihcp-cli-").FullName;
        try
        {
            string clip = Path.Combine(dir, "clip.mp4");
            await Clips.PatternAsync(clip);
            string broken = Path.Combine(dir, "broken.mp4");
            await File.WriteAllTextAsync(broken, "not a video");

            var (exitCode, output, _) = await CliRunner.RunAsync("ingest", "--source", $"door={clip}", "-s", broken, "--rate", "5", "--width", "160");

            Assert.Equal(1, exitCode);
            Assert.Equal(["door", "completed", "15", "0", "160x120"], Row(output, "door")[..5]);
            Assert.Equal(["broken", "failed", "0"], Row(output, "broken")[..3]);
            Assert.Contains("broken: '" + broken + "' is not a readable video file", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Invalid_settings_stop_before_any_work_and_every_problem_is_named()
    {
        var (exitCode, output, error) = await CliRunner.RunAsync("ingest", "-s", "bad id!=x.avi", "-s", "ftp://host/v", "--rate", "-2");

        Assert.Equal(2, exitCode);
        Assert.Equal(string.Empty, output);
        Assert.Contains("Ingest:Cameras:0", error, StringComparison.Ordinal);
        Assert.Contains("Source scheme 'ftp' is not supported", error, StringComparison.Ordinal);
        Assert.Contains("FrameRate must be above 0", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ \"Ingest\": { \"Cameras\": [ { \"Id\": \"a\", \"Sauce\": \"x.avi\" } ] } }", "'Sauce'")]
    [InlineData("{ \"Ingest\": { \"Cameras\": [ { \"Id\": \"a\", \"Source\": \"x.avi\", \"FrameRate\": \"fast\" } ] } }", "Ingest:Cameras:0:FrameRate")]
    [InlineData("{ \"Ingest\": ", "not valid JSON")]
    [InlineData("{ \"Ingset\": { \"Cameras\": [] } }", "unknown section 'Ingset'")]
    public async Task A_bad_configuration_file_is_reported_with_where_the_problem_is(string json, string expected)
    {
        string file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, json);

            var (exitCode, _, error) = await CliRunner.RunAsync("ingest", "--config", file);

            Assert.Equal(2, exitCode);
            Assert.Contains(expected, error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Without_any_camera_a_pipeline_command_says_how_to_give_one()
    {
        var nothing = new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build();

        var error = Assert.Throws<ArgumentException>(() => Commands.CameraSources.Build(nothing, [], null, null, null));

        Assert.Contains("No camera: pass --source ID=LOCATION", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_configuration_file_and_a_bad_duration_are_refused()
    {
        var missing = await CliRunner.RunAsync("ingest", "--config", "/nonexistent/settings.json");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("'/nonexistent/settings.json' does not exist", missing.Error, StringComparison.Ordinal);

        var duration = await CliRunner.RunAsync("ingest", "--duration", "soon");
        Assert.NotEqual(0, duration.ExitCode);
        Assert.Contains("--duration 'soon' is not a duration", duration.Error, StringComparison.Ordinal);
    }

    private static string[] Row(string output, string camera) =>
        output.Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).First(cells => cells.Length > 0 && cells[0] == camera);
}
