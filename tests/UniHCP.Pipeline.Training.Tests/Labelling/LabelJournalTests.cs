using System.Text.Json.Nodes;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Training.Data;
using UniHCP.Pipeline.Training.Labelling;

namespace UniHCP.Pipeline.Training.Tests.Labelling;

/// <summary>The labeller's resumable journal and the COCO file it becomes.</summary>
public sealed class LabelJournalTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("label-journal-").FullName;

    private string Output => Path.Combine(_folder, "labels.json");

    private static JsonObject Header(string source = "clip.mp4") => new() { ["source"] = source, ["every"] = 3 };

    private static JsonObject Image(int frame) => new() { ["file_name"] = $"frame_{frame:D6}", ["width"] = 640, ["height"] = 360, ["frame_index"] = frame };

    private static PersonLabel Person(float score, bool pose) => new(new BoundingBox(10, 20, 50, 120), score, "centernet")
    {
        Keypoints = pose ? Enumerable.Range(0, 17).Select(j => new Keypoint(20 + j, 30 + (5 * j), j < 5 ? 0.05f : j < 10 ? 0.2f : 0.7f, j >= 10)).ToList() : null,
        KeypointSource = pose ? "movenet" : null,
    };

    [Fact]
    public async Task A_resumed_journal_skips_what_is_done_rewrites_a_torn_line_and_becomes_one_COCO_file()
    {
        await using (var first = await LabelJournal.OpenAsync(Output, Header(), CancellationToken.None))
        {
            await first.AppendAsync(Image(0), [Person(0.8f, pose: true), Person(0.15f, pose: false)], CancellationToken.None);
            await first.AppendAsync(Image(3), [], CancellationToken.None);
        }
        // An interruption in the middle of the third line.
        await File.AppendAllTextAsync(LabelJournal.PathFor(Output), "{\"image\":{\"file_name\":\"frame_0000");

        await using var resumed = await LabelJournal.OpenAsync(Output, Header(), CancellationToken.None);
        Assert.Equal(2, resumed.Resumed);
        Assert.True(resumed.Contains("frame_000000") && resumed.Contains("frame_000003"));
        Assert.False(resumed.Contains("frame_000006"));
        await resumed.AppendAsync(Image(6), [Person(0.5f, pose: false)], CancellationToken.None);
        var counts = await resumed.FinishAsync(new JsonObject { ["description"] = "test" }, CancellationToken.None);

        Assert.Equal((3, 3), counts);
        Assert.False(File.Exists(LabelJournal.PathFor(Output)));
        var coco = CocoFile.Read(Output);
        Assert.Equal(["frame_000000", "frame_000003", "frame_000006"], coco.Images.Select(i => i.FileName));
        Assert.Equal([0L, 3, 6], coco.Images.Select(i => i.FrameIndex ?? -1));
        Assert.Equal(17, coco.KeypointNames.Count);
        var posed = Assert.Single(coco.Annotations, a => a.Keypoints is not null);
        Assert.Equal([10.0, 20, 40, 100], posed.Bbox!);
        Assert.Equal(0.8, posed.Score!.Value, 4);
        Assert.Equal("centernet", posed.Source);
        // COCO's joint convention: under 0.1 unlabelled (0, 0, 0), under 0.3 labelled but uncertain (1), else 2.
        Assert.Equal([0.0, 0, 0], posed.Keypoints![..3]);
        Assert.Equal([25.0, 55, 1], posed.Keypoints[15..18]);
        Assert.Equal([30.0, 80, 2], posed.Keypoints[30..33]);
        var json = JsonNode.Parse(await File.ReadAllTextAsync(Output))!;
        var annotation = json["annotations"]![0]!;
        Assert.Equal("movenet", annotation["keypoint_source"]!.GetValue<string>());
        Assert.Equal(12, annotation["num_keypoints"]!.GetValue<int>());
        Assert.Equal(17, annotation["keypoint_scores"]!.AsArray().Count);
        Assert.Equal("test", json["info"]!["description"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_journal_of_other_settings_or_a_finished_file_is_refused_by_name()
    {
        await using (var journal = await LabelJournal.OpenAsync(Output, Header(), CancellationToken.None))
            await journal.AppendAsync(Image(0), [], CancellationToken.None);

        var other = await Assert.ThrowsAsync<IOException>(() => LabelJournal.OpenAsync(Output, Header("another.mp4"), CancellationToken.None));
        Assert.Contains(LabelJournal.PathFor(Output), other.Message, StringComparison.Ordinal);
        Assert.Contains("other settings", other.Message, StringComparison.Ordinal);

        await using (var journal = await LabelJournal.OpenAsync(Output, Header(), CancellationToken.None))
            await journal.FinishAsync(new JsonObject(), CancellationToken.None);
        var finished = await Assert.ThrowsAsync<IOException>(() => LabelJournal.OpenAsync(Output, Header(), CancellationToken.None));
        Assert.Contains("already exists", finished.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_live_source_needs_an_end_and_a_bad_selection_names_the_option()
    {
        var endless = Assert.Throws<ArgumentException>(() => new LabelSelection().ValidateLive("rtsp://cam7/stream"));
        Assert.Contains("'rtsp://cam7/stream' is a live source: give --max-frames, --end or --duration", endless.Message, StringComparison.Ordinal);
        new LabelSelection(MaxFrames: 10).ValidateLive("rtsp://cam7/stream");
        new LabelSelection(Duration: TimeSpan.FromMinutes(1)).ValidateLive("rtsp://cam7/stream");
        Assert.Contains("--every must be >= 1 (got 0)", Assert.Throws<ArgumentException>(() => new LabelSelection(Every: 0).Validate()).Message, StringComparison.Ordinal);
        Assert.Equal("Frame selection: --end must be above --start (got 5 and 10).", Assert.Throws<ArgumentException>(() => new LabelSelection(Start: 10, End: 5).Validate()).Message);
        Assert.DoesNotContain("--max-frames", Assert.Throws<ArgumentException>(() => new LabelSelection(Every: 0).Validate()).Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
