namespace UniHCP.Pipeline.Cli.Tests;

public sealed class TrackCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("unihcp-cli-track-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_sequence_is_tracked_written_and_scored_and_eval_prints_the_table()
    {
        string seq = await WalkSequenceAsync();
        string results = Path.Combine(_dir, "out", "WALK-01.txt");

        var track = await CliRunner.RunAsync("track", "--mot", seq, "-o", results);

        Assert.True(track.ExitCode == 0, track.Error);
        Assert.Contains("WALK-01: 20 frames, 39 detections, 2 tracks", track.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("note:", track.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(results));
        var eval = await CliRunner.RunAsync("eval", "mot", "--gt", Path.Combine(seq, "gt", "gt.txt"), "--res", results);
        Assert.Equal(0, eval.ExitCode);
        var header = eval.Output.Split('\n')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var row = eval.Output.Split('\n')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("0", row[Array.IndexOf(header, "IDs")]);
        Assert.True(double.Parse(row[Array.IndexOf(header, "IDF1")], System.Globalization.CultureInfo.InvariantCulture) > 90);
    }

    [Fact]
    public async Task Detection_scores_outside_0_to_1_are_tracked_with_a_note_on_the_score_settings()
    {
        // DPM-like scores: one walker at 1.8, a second at -0.4 (below every threshold on a 0..1 scale).
        string seq = Path.Combine(_dir, "DPM-01");
        Directory.CreateDirectory(Path.Combine(seq, "det"));
        await File.WriteAllTextAsync(Path.Combine(seq, "seqinfo.ini"), "[Sequence]\nname=DPM-01\nframeRate=10\nseqLength=10\nimWidth=640\nimHeight=480\n");
        var det = new List<string>();
        for (int f = 1; f <= 10; f++)
        {
            det.Add($"{f},-1,{10 + (5 * f)},100,40,100,1.8");
            det.Add($"{f},-1,{500 - (5 * f)},120,40,100,-0.4");
        }
        await File.WriteAllLinesAsync(Path.Combine(seq, "det", "det.txt"), det);

        var track = await CliRunner.RunAsync("track", "--mot", seq, "-o", Path.Combine(_dir, "DPM-01.txt"));

        Assert.True(track.ExitCode == 0, track.Error);
        Assert.Contains("DPM-01: 10 frames, 20 detections, 1 tracks", track.Output, StringComparison.Ordinal);
        Assert.Contains("range from -0.4 to 1.8", track.Output, StringComparison.Ordinal);
        Assert.Contains("--high-score 0.6", track.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_configurations_tracking_section_applies_over_the_mot_defaults_and_a_misspelt_key_is_refused()
    {
        string seq = await WalkSequenceAsync();
        string config = Path.Combine(_dir, "short-memory.json");
        // Lost tracks forgotten within a frame (10 frames/s): the person missed in frame 10 comes back as a new track.
        await File.WriteAllTextAsync(config, """{ "Tracking": { "Camera": { "LostTimeout": "00:00:00.05" } } }""");

        var track = await CliRunner.RunAsync("track", "--mot", seq, "-o", Path.Combine(_dir, "short.txt"), "--config", config);

        Assert.True(track.ExitCode == 0, track.Error);
        Assert.Contains("tracker settings: the configuration's Tracking:Camera (LostTimeout)", track.Output, StringComparison.Ordinal);
        Assert.Contains("WALK-01: 20 frames, 39 detections, 3 tracks", track.Output, StringComparison.Ordinal);

        await File.WriteAllTextAsync(config, """{ "Tracking": { "Camera": { "LostTimout": "00:00:01" } } }""");
        var misspelt = await CliRunner.RunAsync("track", "--mot", seq, "-o", Path.Combine(_dir, "short.txt"), "--config", config);
        Assert.Equal(2, misspelt.ExitCode);
        Assert.Contains("'LostTimout'", misspelt.Error, StringComparison.Ordinal);
    }

    // A small MOTChallenge sequence: two people walking, detected every frame but one (person 1 in frame 10).
    private async Task<string> WalkSequenceAsync()
    {
        string seq = Path.Combine(_dir, "WALK-01");
        Directory.CreateDirectory(Path.Combine(seq, "det"));
        Directory.CreateDirectory(Path.Combine(seq, "gt"));
        await File.WriteAllTextAsync(Path.Combine(seq, "seqinfo.ini"), "[Sequence]\nname=WALK-01\nframeRate=10\nseqLength=20\nimWidth=640\nimHeight=480\n");
        var det = new List<string>();
        var gt = new List<string>();
        for (int f = 1; f <= 20; f++)
        {
            gt.Add($"{f},1,{10 + (5 * f)},100,40,100,1,1,1");
            gt.Add($"{f},2,{500 - (5 * f)},120,40,100,1,1,1");
            if (f != 10)
                det.Add($"{f},-1,{10 + (5 * f)},100,40,100,0.95");
            det.Add($"{f},-1,{500 - (5 * f)},120,40,100,0.9");
        }
        await File.WriteAllLinesAsync(Path.Combine(seq, "det", "det.txt"), det);
        await File.WriteAllLinesAsync(Path.Combine(seq, "gt", "gt.txt"), gt);
        return seq;
    }

    [Fact]
    public async Task Bad_inputs_are_reported()
    {
        var notSequence = await CliRunner.RunAsync("track", "--mot", _dir);
        Assert.Equal(2, notSequence.ExitCode);
        Assert.Contains("has no seqinfo.ini", notSequence.Error, StringComparison.Ordinal);

        string bad = Path.Combine(_dir, "bad.txt");
        await File.WriteAllTextAsync(bad, "1,1,a,b,c,d\n");
        var eval = await CliRunner.RunAsync("eval", "mot", "--gt", bad, "--res", bad);
        Assert.Equal(2, eval.ExitCode);
        Assert.Contains("bad.txt:1: value 3 'a' is not a number", eval.Error, StringComparison.Ordinal);

        var unpaired = await CliRunner.RunAsync("eval", "mot", "--gt", bad, bad, "--res", bad);
        Assert.Contains("give them in pairs", unpaired.Error, StringComparison.Ordinal);

        // A command line that does not parse is bad input too (2), not System.CommandLine's 1 ("part of the work failed").
        var noResults = await CliRunner.RunAsync("eval", "mot", "--gt", bad);
        Assert.Equal(2, noResults.ExitCode);
        Assert.Contains("'--res' is required", noResults.Error, StringComparison.Ordinal);
        // --config is accepted by every command for the ones that read it; given to one that reads none it is refused, not ignored.
        var ignored = await CliRunner.RunAsync("eval", "mot", "--gt", bad, "--res", bad, "--config", bad);
        Assert.Equal(2, ignored.ExitCode);
        Assert.Contains("`unihcp eval mot` reads no configuration", ignored.Error, StringComparison.Ordinal);
        var unknown = await CliRunner.RunAsync("track", "--mot", _dir, "--lost-seconds", "3");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("--lost-seconds", unknown.Error, StringComparison.Ordinal);
    }
}
