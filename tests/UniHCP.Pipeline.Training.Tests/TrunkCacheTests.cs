using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Inference.Processing;
using UniHCP.Pipeline.Training.Data;
using UniHCP.Pipeline.Training.Detection;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Training.Tests;

/// <summary>Training on cached trunk outputs is the same training, only cheaper.</summary>
public sealed class TrunkCacheTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("unihcp-trunk-cache-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [SharedDataFact]
    public void A_cache_before_the_trunks_last_block_trains_that_block_and_nothing_else_of_the_trunk()
    {
        var sample = PennFudanReader.Read(SharedData.PennFudan)[1];
        var size = new DetectionResize(160, 256);
        var tasks = new TaskRegistry([TaskRegistry.Detection(contentQueries: 2, anchors: 10)]);
        manual_seed(7);
        using var model = new UniHcpModel(ModelConfig.ResNet18Fast, tasks);
        var augment = new DetectionAugment { ShortSides = [size.ShortSide], MaxLongSide = size.MaxLongSide, FlipProbability = 0 };
        var dataset = new DetectionDataset("one", [sample], [], 1, size);
        string file = Path.Combine(_dir, "trunk-cache.bin");
        TrunkFeatureCache.LoadOrBuild(file, model, [sample], augment, bfloat16: false, CPU, TextWriter.Null).Dispose();
        var log = new StringWriter();

        using var cache = TrunkFeatureCache.LoadOrBuild(file, model, [sample], augment, bfloat16: false, CPU, log, beforeTail: true);
        var onImages = new DetectionTrainingTask("detection", [dataset], batchSize: 2, augment, new DetectionLossWeights());
        var onCache = new CachedDetectionTrainingTask("detection", [dataset], cache, batchSize: 2, new DetectionLossWeights(), cropProbability: 0);
        double expected, actual;
        using (NewDisposeScope())
        {
            expected = onImages.Step(model, new Random(1), CPU).Loss.item<float>();
            actual = onCache.Step(model, new Random(1), CPU).Loss.item<float>();
        }
        var before = model.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone());
        var options = new TrainerOptions { OutputDirectory = Path.Combine(_dir, "run"), Steps = 2, WarmupSteps = 1, EvaluateEvery = 2, CheckpointEvery = 2, LearningRate = 1e-2, FrozenEncoderParts = model.FrozenTrunkParts(tuneTail: true) };
        new Trainer(model, WeightsMetadata.For("tail", ModelConfig.ResNet18Fast, tasks), [onCache], options, new StringWriter()).Run();

        // The full trunk's cache in the same file was made for another split: rebuilt, not misread.
        Assert.Contains("rebuilding", log.ToString(), StringComparison.Ordinal);
        Assert.True(cache.BeforeTail);
        Assert.True(Math.Abs(expected - actual) <= 0.01 * Math.Abs(expected), $"loss on images {expected}, on the cache before the last block {actual}");
        var after = model.state_dict();
        var changed = before.Keys.Where(k => k.StartsWith("backbone_module.", StringComparison.Ordinal) && !k.StartsWith("backbone_module.fpn.", StringComparison.Ordinal))
            .Where(k => !before[k].equal(after[k]).all().item<bool>()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["backbone_module.layer3.1.conv1.weight", "backbone_module.layer3.1.conv2.weight"], changed);
    }

    [SharedDataFact]
    public void A_step_on_cached_trunk_outputs_has_the_loss_of_a_step_on_the_images()
    {
        var sample = PennFudanReader.Read(SharedData.PennFudan)[1];
        var size = new DetectionResize(160, 256);
        var tasks = new TaskRegistry([TaskRegistry.Detection(contentQueries: 2, anchors: 10)]);
        manual_seed(5);
        using var model = new UniHcpModel(ModelConfig.ResNet18Fast, tasks);
        var augment = new DetectionAugment { ShortSides = [size.ShortSide], MaxLongSide = size.MaxLongSide, FlipProbability = 0 };
        var dataset = new DetectionDataset("one", [sample], [], 1, size);
        using var cache = TrunkFeatureCache.Build(model, [sample], augment, bfloat16: false, CPU, TextWriter.Null);
        // The cache keeps the trunk output in bf16 (to halve its memory): equal up to that rounding.
        var onImages = new DetectionTrainingTask("detection", [dataset], batchSize: 2, augment, new DetectionLossWeights());
        var onCache = new CachedDetectionTrainingTask("detection", [dataset], cache, batchSize: 2, new DetectionLossWeights(), cropProbability: 0);

        using var scope = NewDisposeScope();
        double expected = onImages.Step(model, new Random(1), CPU).Loss.item<float>();
        double actual = onCache.Step(model, new Random(1), CPU).Loss.item<float>();

        Assert.Equal(1, cache.ViewCount);
        Assert.True(Math.Abs(expected - actual) <= 0.01 * Math.Abs(expected), $"loss on images {expected}, on the cached trunk {actual}");
    }

    [Fact]
    public void A_crop_of_the_token_grid_keeps_mostly_visible_people_and_ignores_the_rest()
    {
        TorchRuntime.EnsureLoaded();
        // A 10 x 10 grid; boxes as (cx, cy, w, h) fractions: one inside the window, one outside,
        // one half inside (kept, clipped), one a fifth inside (its visible part ignored).
        float[] boxes =
        [
            0.5f, 0.5f, 0.2f, 0.4f,
            0.1f, 0.5f, 0.2f, 0.2f,
            0.3f, 0.5f, 0.2f, 0.2f,
            0.225f, 0.2f, 0.25f, 0.2f,
        ];
        using var trunk = zeros(256, 10, 10);
        var view = new TrunkView(trunk, boxes, [0.0f, 0.0f, 0.5f, 0.1f]);

        var (cropped, kept, ignored) = CachedDetectionTrainingTask.Crop(view, top: 0, left: 3, ch: 10, cw: 5, minVisibleShare: 0.4f);

        Assert.Equal([256, 10, 5], cropped.shape);
        float[] expectedKept = [0.4f, 0.5f, 0.4f, 0.4f, 0.1f, 0.5f, 0.2f, 0.2f];
        float[] expectedIgnored = [0f, 0.1f, 0.1f, 0.3f, 0f, 0f, 0.4f, 0.1f];
        Assert.Equal(expectedKept.Length, kept.Length);
        Assert.Equal(expectedIgnored.Length, ignored.Length);
        for (int i = 0; i < kept.Length; i++)
            Assert.Equal(expectedKept[i], kept[i], 5);
        for (int i = 0; i < ignored.Length; i++)
            Assert.Equal(expectedIgnored[i], ignored[i], 5);
    }
}
