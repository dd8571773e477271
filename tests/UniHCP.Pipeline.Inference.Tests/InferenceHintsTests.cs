using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Inference.Processing;

namespace UniHCP.Pipeline.Inference.Tests;

/// <summary>The weights' hints are read once by the engine builder; the box convention follows the file.</summary>
public sealed class InferenceHintsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("unihcp-hints-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly PerceptionOptions s_small = new()
    {
        DetectionResize = new DetectionResize(64, 128),
        MaxDetections = 1,
        Tasks = [],
    };

    [Fact]
    public void Official_weights_decode_boxes_as_the_releases_post_processing_does()
    {
        // The crafted detector predicts (cx, cy, w, h) = (0.25, 0.6, 0.1, 0.2) for every query. Written in the
        // release's layout and imported, it must come back with the release's boxes: ped_det_postprocess turns
        // cxcywh into xyxy and multiplies by the ORIGINAL image size (here 100 x 70), whatever the resize and
        // the padding (91 x 64 padded to 96 x 64 inside the encoder).
        using var crafted = EngineTests.CraftedDetector();
        string file = Path.Combine(_dir, "ckpt_task_detection_iter_newest.pth.tar");
        OfficialLayout.Write(file, OfficialLayout.StateDict(crafted, "detection"));
        var (imported, metadata, _) = OfficialImporter.Import([new OfficialTaskFile("detection", file)], "official-test", ModelConfig.Tiny);
        using var engine = new PerceptionEngineBuilder().WithModel(imported, metadata).WithOptions(s_small).Build();

        var box = Assert.Single(Assert.Single(engine.Process([EngineTests.Frame("door", 100, 70)])).Persons).Box;

        Assert.Equal(BoxFrame.UnpaddedImage, engine.Hints.BoxFrame);
        float[] release = [(0.25f - 0.05f) * 100, (0.6f - 0.1f) * 70, (0.25f + 0.05f) * 100, (0.6f + 0.1f) * 70];
        Assert.Equal(release[0], box.X1, 3);
        Assert.Equal(release[1], box.Y1, 3);
        Assert.Equal(release[2], box.X2, 3);
        Assert.Equal(release[3], box.Y2, 3);
    }

    [Fact]
    public void Our_own_weights_decode_boxes_on_the_padded_canvas_they_were_trained_on()
    {
        using var crafted = EngineTests.CraftedDetector();
        var padded = WeightsMetadata.For("ours", ModelConfig.Tiny, TaskRegistry.Standard);
        using var engine = new PerceptionEngineBuilder().WithModel(crafted, padded).WithOptions(s_small).Build();

        var box = Assert.Single(Assert.Single(engine.Process([EngineTests.Frame("door", 100, 70)])).Persons).Box;

        // Across, the 91-pixel image was padded to 96: a canvas fraction is 96/91 of an image fraction.
        Assert.Equal(BoxFrame.PaddedCanvas, engine.Hints.BoxFrame);
        Assert.Equal(20 * 96.0 / 91, box.X1, 3);
        Assert.Equal(35, box.Y1, 3);
    }

    [Fact]
    public void The_builder_fills_what_the_caller_left_open_from_the_file_and_keeps_what_it_set()
    {
        var metadata = WeightsMetadata.For("hinted", ModelConfig.Tiny, TaskRegistry.Standard, new Dictionary<string, string>
        {
            [InferenceHints.ShortSideKey] = "96",
            [InferenceHints.MaxLongSideKey] = "120",
            [InferenceHints.ScoreLogitShiftKey] = "1.5",
            [InferenceHints.DuplicateIoUKey] = "0.7",
            [InferenceHints.DefaultTasksKey] = "pose",
        });

        using (var fromFile = new PerceptionEngineBuilder().WithModel(TestModels.Tiny(), metadata).WithOptions(new PerceptionOptions()).Build())
        {
            Assert.Equal(new DetectionResize(96, 120), fromFile.DetectionResize);
            Assert.Equal(1.5f, fromFile.Options.ScoreLogitShift);
            Assert.Equal(0.7f, fromFile.Options.DuplicateIoU);
            Assert.Equal(["pose"], fromFile.CropTasks.Select(t => t.Name));
        }
        var overrides = new PerceptionOptions { DetectionResize = new DetectionResize(64, 128), ScoreLogitShift = 0, DuplicateIoU = 0.5f, Tasks = ["reid"] };
        using var given = new PerceptionEngineBuilder().WithModel(TestModels.Tiny(), metadata).WithOptions(overrides).Build();
        Assert.Equal(new DetectionResize(64, 128), given.DetectionResize);
        Assert.Equal(0f, given.Options.ScoreLogitShift);
        Assert.Equal(0.5f, given.Options.DuplicateIoU);
        Assert.Equal(["reid"], given.CropTasks.Select(t => t.Name));
        // A run's own long-side cap applies to the file's size or to its own.
        using (var capped = new PerceptionEngineBuilder().WithModel(TestModels.Tiny(), metadata).WithOptions(new PerceptionOptions { DetectionMaxLongSide = 200 }).Build())
            Assert.Equal(new DetectionResize(96, 200), capped.DetectionResize);
        using (var both = new PerceptionEngineBuilder().WithModel(TestModels.Tiny(), metadata).WithOptions(overrides with { DetectionMaxLongSide = 100 }).Build())
            Assert.Equal(new DetectionResize(64, 100), both.DetectionResize);
        var under = Assert.Throws<ArgumentException>(() => new PerceptionEngineBuilder().WithModel(TestModels.Tiny(), metadata).WithOptions(new PerceptionOptions { DetectionMaxLongSide = 90 }).Build());
        Assert.Contains("long-side cap 90 must be from the detection short side (96)", under.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_recorded_defaults_every_trained_person_task_runs_and_untrained_ones_do_not()
    {
        var metadata = WeightsMetadata.For("partly", ModelConfig.Tiny, TaskRegistry.Standard);
        metadata = metadata with { Tasks = metadata.Tasks.Select(t => t with { Trained = t.Name is "detection" or "pose" or "reid" }).ToList() };

        Assert.Equal(["pose", "reid"], InferenceHints.Read(metadata).PersonTasks(metadata));
    }

    [Theory]
    [InlineData(InferenceHints.ShortSideKey, "wide")]
    [InlineData(InferenceHints.ShortSideKey, "10")]
    [InlineData(InferenceHints.MaxLongSideKey, "700")]
    [InlineData(InferenceHints.MaxLongSideKey, "900.5")]
    [InlineData(InferenceHints.ScoreLogitShiftKey, "NaN")]
    [InlineData(InferenceHints.DuplicateIoUKey, "2")]
    [InlineData(InferenceHints.AttentionPriorKey, "-1")]
    [InlineData(InferenceHints.BoxFrameKey, "stretched")]
    public void A_malformed_hint_is_an_error_naming_the_key(string key, string value)
    {
        var metadata = WeightsMetadata.For("bad", ModelConfig.Tiny, TaskRegistry.Standard, new Dictionary<string, string> { [key] = value });

        var error = Assert.Throws<InvalidDataException>(() => InferenceHints.Read(metadata));

        Assert.Contains($"'{key}' = '{value}'", error.Message, StringComparison.Ordinal);
    }
}
