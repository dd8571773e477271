using System.Text.Json.Nodes;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Ingest;
using UniHCP.Pipeline.Training.Data;
using UniHCP.Pipeline.Training.Labelling;

namespace UniHCP.Pipeline.Training.Tests;

/// <summary>Scene label files (as `unihcp label` writes them) read as per-scene detection datasets with time splits.</summary>
public sealed class SceneLabelReaderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("scene-labels-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>Labels of the sample's frames 0, 10 ... 190 (so the clip is 191 frames long): per frame a confident
    /// person and a box under the operating score.</summary>
    private async Task<string> WriteLabelsAsync(string name, string? video = null, double operatingScore = 0.25)
    {
        var entries = Enumerable.Range(0, 20).Select(k => new JsonObject
        {
            ["image"] = new JsonObject { ["file_name"] = $"frame_{10 * k:D6}", ["width"] = 768, ["height"] = 576, ["frame_index"] = 10 * k },
            ["persons"] = new JsonArray(
                CocoLabels.Person(new PersonLabel(new BoundingBox(100, 100, 140, 200), 0.6f, "centernet")),
                CocoLabels.Person(new PersonLabel(new BoundingBox(400, 50, 420, 90), 0.2f, "centernet"))),
        });
        var info = new JsonObject
        {
            ["labeller"] = new JsonObject
            {
                ["source"] = video ?? SampleVideo.Locate(),
                ["teacher"] = new JsonObject { ["operating_score"] = operatingScore.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            },
        };
        string path = Path.Combine(_folder, name + ".json");
        await CocoLabels.WriteAsync(path, info, entries, CancellationToken.None);
        return path;
    }

    [Fact]
    public async Task A_scene_trains_on_its_first_three_quarters_and_validates_on_its_last_fifth_with_low_scores_ignored()
    {
        string labels = await WriteLabelsAsync("walkway");

        var dataset = await SceneLabelReader.ReadAsync(labels, null, new SceneSplit(), heldOut: false, DefaultModelRecipe.EvaluationSize);

        Assert.Equal("walkway", dataset.Name);
        // 191 frames: training below 143.25 (0 ... 140), validation from 152.8 (160 ... 190); 150 falls in the gap.
        Assert.Equal(Enumerable.Range(0, 15).Select(k => $"frame_{10 * k:D6}"), dataset.Train.Select(s => s.Id));
        Assert.Equal(["frame_000160", "frame_000170", "frame_000180", "frame_000190"], dataset.Validation.Select(s => s.Id));
        Assert.All(dataset.Train.Concat(dataset.Validation), s =>
        {
            Assert.Equal(new BoundingBox(100, 100, 140, 200), Assert.Single(s.Boxes));
            Assert.Equal(new BoundingBox(400, 50, 420, 90), Assert.Single(s.Ignore));
            Assert.Equal("walkway", s.Dataset);
            Assert.Equal((768, 576), (s.Image.Width, s.Image.Height));
        });
    }

    [Fact]
    public async Task A_held_out_scene_validates_whole_and_the_recorded_operating_score_decides_persons()
    {
        string labels = await WriteLabelsAsync("unseen", operatingScore: 0.1);

        var dataset = await SceneLabelReader.ReadAsync(labels, null, new SceneSplit(), heldOut: true, DefaultModelRecipe.EvaluationSize);

        Assert.Empty(dataset.Train);
        Assert.Equal(20, dataset.Validation.Count);
        Assert.All(dataset.Validation, s => Assert.Equal((2, 0), (s.Boxes.Count, s.Ignore.Count)));
    }

    [Fact]
    public async Task Training_draws_never_pick_a_scene_held_out_whole()
    {
        var seen = await SceneLabelReader.ReadAsync(await WriteLabelsAsync("seen"), null, new SceneSplit(), heldOut: false, DefaultModelRecipe.EvaluationSize);
        var unseen = await SceneLabelReader.ReadAsync(await WriteLabelsAsync("unseen"), null, new SceneSplit(), heldOut: true, DefaultModelRecipe.EvaluationSize);
        var random = new Random(3);

        var drawn = Enumerable.Range(0, 200).Select(_ => Detection.DetectionTrainingTask.Draw([unseen, seen], random)).ToList();

        Assert.All(drawn, s => Assert.Equal("seen", s.Dataset));
        Assert.Equal(15, drawn.Select(s => s.Id).Distinct().Count());
        Assert.Throws<InvalidOperationException>(() => Detection.DetectionTrainingTask.Draw([unseen], random));
    }

    [Fact]
    public async Task A_moved_video_is_found_by_name_in_the_videos_folder_and_a_missing_one_is_named()
    {
        string videos = Directory.CreateDirectory(Path.Combine(_folder, "videos")).FullName;
        File.Copy(SampleVideo.Locate(), Path.Combine(videos, "moved.avi"));
        string labels = await WriteLabelsAsync("moved", video: "/nowhere/moved.avi");

        var dataset = await SceneLabelReader.ReadAsync(labels, videos, new SceneSplit(), heldOut: false, DefaultModelRecipe.EvaluationSize);
        Assert.Equal(15, dataset.Train.Count);

        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => SceneLabelReader.ReadAsync(labels, null, new SceneSplit(), false, DefaultModelRecipe.EvaluationSize));
        Assert.Contains("/nowhere/moved.avi", error.Message, StringComparison.Ordinal);
        Assert.Contains(labels, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_folder_reads_every_scene_and_refuses_an_unknown_held_out_scene()
    {
        await WriteLabelsAsync("a");
        await WriteLabelsAsync("b");
        var log = new StringWriter();

        var datasets = await SceneLabelReader.ReadFolderAsync(_folder, null, new SceneSplit(), new HashSet<string> { "b" }, DefaultModelRecipe.EvaluationSize, log);

        Assert.Equal(["a", "b"], datasets.Select(d => d.Name));
        Assert.Equal((15, 4), (datasets[0].Train.Count, datasets[0].Validation.Count));
        Assert.Equal((0, 20), (datasets[1].Train.Count, datasets[1].Validation.Count));
        Assert.Contains("scene b (held out whole): 0 training and 20 validation frames, 20 persons, 20 ignore regions", log.ToString(), StringComparison.Ordinal);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => SceneLabelReader.ReadFolderAsync(_folder, null, new SceneSplit(), new HashSet<string> { "c" }, DefaultModelRecipe.EvaluationSize, TextWriter.Null));
        Assert.Contains("Held-out scene(s) c", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Labels_without_frame_indices_are_refused_naming_the_file()
    {
        string path = Path.Combine(_folder, "images.json");
        await CocoLabels.WriteAsync(path, new JsonObject { ["labeller"] = new JsonObject { ["source"] = SampleVideo.Locate() } },
            [new JsonObject { ["image"] = new JsonObject { ["file_name"] = "a.jpg", ["width"] = 10, ["height"] = 10 }, ["persons"] = new JsonArray() }], CancellationToken.None);

        var error = await Assert.ThrowsAsync<DatasetFormatException>(() => SceneLabelReader.ReadAsync(path, null, new SceneSplit(), false, DefaultModelRecipe.EvaluationSize));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("no frame_index", error.Message, StringComparison.Ordinal);
    }
}
