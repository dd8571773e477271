using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Inference.Processing;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Inference.Tests;

public sealed class EngineTests
{
    /// <summary>Small inputs so that the tiny model runs in milliseconds.</summary>
    private static readonly PerceptionOptions s_small = new()
    {
        DetectionResize = new DetectionResize(64, 128),
        DetectionThreshold = 0.5f,
        MaxDetections = 3,
        PoseInput = new CropSize(48, 64),
        AttributeInput = new CropSize(48, 64),
        ReIdInput = new CropSize(32, 64),
        ParsingInput = new CropSize(48, 48),
    };

    [Fact]
    public void Only_the_persons_a_schedule_picks_get_the_person_tasks_and_every_person_keeps_box_and_colours()
    {
        using var engine = new PerceptionEngineBuilder().WithModel(CraftedDetector(), Metadata()).WithOptions(s_small).Build();
        var frame = Frame("door", 100, 70);
        var asked = new List<int>();

        var result = Assert.Single(engine.Process([frame], (f, detections) =>
        {
            asked.Add(detections.Count);
            return detections.Select((_, i) => i == 1).ToArray();
        }));

        Assert.Equal([3], asked);
        Assert.Equal(3, result.Persons.Count);
        Assert.All(result.Persons, p => Assert.NotNull(p.Parsing));
        var described = result.Persons.Where(p => !p.Embedding.IsEmpty).ToList();
        Assert.Equal(1, Assert.Single(described).DetectionIndex);
        Assert.NotNull(described[0].Keypoints);
        Assert.NotNull(described[0].Attributes);
        Assert.All(result.Persons.Where(p => p.DetectionIndex != 1), p => Assert.True(p.Keypoints is null && p.Attributes is null));
        // Detection, and one of each crop pass (pose + attributes, its flip, parsing, ReID) for the one person.
        Assert.Equal(5, engine.EncoderPasses);
    }

    [Fact]
    public void A_planner_describes_in_rounds_sees_the_embeddings_and_a_person_is_never_cropped_twice()
    {
        using var engine = new PerceptionEngineBuilder().WithModel(CraftedDetector(), Metadata()).WithOptions(s_small).Build();
        var frame = Frame("door", 100, 70);
        var rounds = new List<IReadOnlyList<float[]?>>();

        var result = Assert.Single(engine.Process([frame], (f, detections, describe) =>
        {
            Assert.Equal(3, detections.Count);
            rounds.Add(describe([2]));
            rounds.Add(describe([0, 2])); // person 2 again: no second crop
        }));

        Assert.All(rounds.SelectMany(r => r), e => Assert.True(e is { Length: > 0 }));
        Assert.Equal(rounds[0][0], rounds[1][1]);
        Assert.Equal([0, 2], result.Persons.Where(p => !p.Embedding.IsEmpty).Select(p => p.DetectionIndex));
        Assert.All(result.Persons, p => Assert.NotNull(p.Parsing));
        // Detection, then two rounds of the crop passes (pose + attributes, its flip, parsing, ReID) of one person each.
        Assert.Equal(1 + 4 + 4, engine.EncoderPasses);
        Assert.Throws<ArgumentOutOfRangeException>(() => engine.Process([frame], (f, detections, describe) => describe([3])));
    }

    [Fact]
    public void Detected_boxes_come_back_in_source_pixels_through_resize_and_padding_and_every_task_describes_each_person()
    {
        using var engine = new PerceptionEngineBuilder().WithModel(CraftedDetector(), Metadata()).WithOptions(s_small).Build();
        // 100 x 70: resized to 91 x 64 for detection, padded to 96 x 64 by the encoder.
        var frame = Frame("door", 100, 70);

        var result = Assert.Single(engine.Process([frame]));

        Assert.Equal(("door", 5L, 100, 70, "crafted-1"), (result.CameraId, result.FrameSequence, result.FrameWidth, result.FrameHeight, result.ModelVersion));
        Assert.Equal(3, result.Persons.Count);
        foreach (var person in result.Persons)
        {
            // Every anchor is (0.25, 0.6) and every box 0.1 x 0.2 of the canvas the model saw: the 91 x 64
            // resized frame padded to 96 x 64. Across, a canvas fraction is 96/91 of an image fraction: centre
            // 25 * 96/91, width 10 * 96/91 source pixels; down there is no padding: centre 42, height 14.
            const double across = 96.0 / 91;
            Assert.Equal((25 - 5) * across, person.Box.X1, 3);
            Assert.Equal(35, person.Box.Y1, 3);
            Assert.Equal((25 + 5) * across, person.Box.X2, 3);
            Assert.Equal(49, person.Box.Y2, 3);
            Assert.Equal(TaskDecoders.Sigmoid(5), person.Score, 4);
            Assert.Equal(17, person.Keypoints!.Count);
            // On the crop: DARK's Newton step may carry a joint at the heatmap's edge up to a map pixel past it.
            var crop = CropBox.Around(person.Box, 48, 64);
            double mapPixel = crop.Width / ((48 / 4) - 1);
            Assert.All(person.Keypoints, k => Assert.InRange(k.X, crop.CentreX - (crop.Width / 2) - mapPixel, crop.CentreX + (crop.Width / 2) + mapPixel));
            Assert.Equal(LabelSets.Pa100kAttributes, person.Attributes!.Select(a => a.Name));
            Assert.All(person.Attributes!, a => Assert.InRange(a.Probability, 0f, 1f));
            Assert.NotNull(person.Parsing);
            Assert.Equal(6 * 64, person.Embedding.Length);
            Assert.Equal(1.0, Math.Sqrt(person.Embedding.ToArray().Sum(v => (double)v * v)), 4);
        }
        Assert.Equal([0, 1, 2], result.Persons.Select(p => p.DetectionIndex));
        // One pass for detection; pose and attributes share the 48x64 crops (plus the pose flip
        // pass); parsing (48x48) and ReID (32x64) have their own: 5 in all, for three persons.
        Assert.Equal(5, engine.EncoderPasses);
    }

    [Fact]
    public void Frames_of_different_sizes_and_frames_without_persons_are_handled_in_one_call()
    {
        using var engine = new PerceptionEngineBuilder().WithModel(CraftedDetector(), Metadata())
            .WithOptions(s_small with { Tasks = ["attributes"] }).Build();

        var results = engine.Process([Frame("a", 100, 70), Frame("b", 64, 80), Frame("a", 100, 70)]);

        Assert.Equal(3, results.Count);
        Assert.Equal(new BoundingBox(16 - 3.2f, 48 - 8, 16 + 3.2f, 48 + 8), results[1].Persons[0].Box);
        Assert.All(results.SelectMany(r => r.Persons), p => Assert.Null(p.Keypoints));
        Assert.All(results.SelectMany(r => r.Persons), p => Assert.NotNull(p.Attributes));

        using var strict = new PerceptionEngineBuilder().WithModel(CraftedDetector(), Metadata()).WithOptions(s_small with { DetectionThreshold = 1f }).Build();
        Assert.Empty(Assert.Single(strict.Process([Frame("a", 100, 70)])).Persons);
    }

    [Fact]
    public void Bfloat16_gives_the_same_persons_as_float32_within_a_percent()
    {
        using var f32 = new PerceptionEngineBuilder().WithModel(CraftedDetector(), Metadata()).WithOptions(s_small with { Tasks = ["reid"] }).Build();
        using var bf16 = new PerceptionEngineBuilder().WithModel(CraftedDetector(), Metadata())
            .WithOptions(s_small with { Tasks = ["reid"], Precision = Precision.BFloat16 }).Build();
        var frame = Frame("a", 100, 70);

        var a = f32.Process([frame])[0].Persons[0];
        var b = bf16.Process([frame])[0].Persons[0];

        Assert.Equal(a.Box.X1, b.Box.X1, 0);
        double cosine = a.Embedding.ToArray().Zip(b.Embedding.ToArray()).Sum(p => (double)p.First * p.Second);
        Assert.True(cosine > 0.99, $"bf16 embedding cosine to f32: {cosine:0.0000}");
    }

    [Fact]
    public void The_official_flip_test_normalises_the_mirrored_crop_twice_and_is_an_option()
    {
        var options = s_small with { Tasks = ["pose"], MaxDetections = 1 };
        using var corrected = new PerceptionEngineBuilder().WithModel(CraftedDetector(), Metadata()).WithOptions(options).Build();
        using var official = new PerceptionEngineBuilder().WithModel(CraftedDetector(), Metadata()).WithOptions(options with { OfficialFlipNormalisation = true }).Build();
        using var noFlip = new PerceptionEngineBuilder().WithModel(CraftedDetector(), Metadata()).WithOptions(options with { PoseFlipTest = false }).Build();
        var frame = Frame("a", 100, 70);

        var a = corrected.Process([frame])[0].Persons[0].Keypoints!;
        var b = official.Process([frame])[0].Persons[0].Keypoints!;
        var c = noFlip.Process([frame])[0].Persons[0].Keypoints!;

        Assert.NotEqual(a.Select(k => k.Score), b.Select(k => k.Score));
        Assert.NotEqual(a.Select(k => k.Score), c.Select(k => k.Score));
        Assert.Equal(3, official.EncoderPasses); // detection, crops, mirrored crops
        Assert.Equal(2, noFlip.EncoderPasses);
    }

    [Fact]
    public void Bad_options_are_refused_when_the_engine_is_built()
    {
        Assert.Contains("Unknown task(s) dance", Assert.Throws<ArgumentException>(() =>
            new PerceptionEngineBuilder().WithModel(TestModels.Tiny(), Metadata()).WithOptions(s_small with { Tasks = ["dance"] }).Build()).Message, StringComparison.Ordinal);
        Assert.Contains("one ReID task", Assert.Throws<ArgumentException>(() =>
            new PerceptionEngineBuilder().WithModel(TestModels.Tiny(), Metadata()).WithOptions(s_small with { Tasks = ["reid", "cloth_reid"] }).Build()).Message, StringComparison.Ordinal);
        Assert.Contains("multiples of 16", Assert.Throws<ArgumentException>(() =>
            new PerceptionEngineBuilder().WithModel(TestModels.Tiny(), Metadata()).WithOptions(s_small with { PoseInput = new CropSize(50, 64) }).Build()).Message, StringComparison.Ordinal);
        if (!cuda.is_available())
        {
            Assert.Contains("no CUDA device", Assert.Throws<ArgumentException>(() =>
                new PerceptionEngineBuilder().WithModel(TestModels.Tiny(), Metadata()).WithOptions(s_small with { Device = "cuda" }).Build()).Message, StringComparison.Ordinal);
        }
        Assert.Throws<InvalidOperationException>(() => new PerceptionEngineBuilder().Build());
    }

    private static WeightsMetadataFor Metadata() => new();

    internal static Checkpoints.WeightsMetadata CraftedMetadata() => Metadata();

    /// <summary>A tiny model whose detection head reports boxes we know: every anchor at (0.25, 0.6),
    /// every box 0.1 x 0.2 of the image, every score sigmoid(5).</summary>
    internal static UniHcpModel CraftedDetector()
    {
        var model = TestModels.Tiny();
        var weights = model.state_dict();
        using (no_grad())
        {
            weights["tasks.detection.query_embed.weight"].copy_(tensor(new float[] { 0.25f, 0.6f }).expand(300, 2));
            weights["tasks.detection.bbox_embed.layers.2.weight"].zero_();
            weights["tasks.detection.bbox_embed.layers.2.bias"].copy_(tensor(new float[] { 0, 0, Logit(0.1f), Logit(0.2f) }));
            weights["decoder_module.predictor.class_embed.weight"].zero_();
            weights["decoder_module.predictor.class_embed.bias"].fill_(5f);
        }
        return model;
    }

    private static float Logit(float p) => MathF.Log(p / (1 - p));

    internal static VideoFrame Frame(string camera, int width, int height)
    {
        var pixels = new byte[width * height * 3];
        new Random(width + height).NextBytes(pixels);
        return new VideoFrame(camera, 5, DateTimeOffset.UnixEpoch, TimeSpan.Zero, width, height, PixelFormat.Rgb24, pixels);
    }

    /// <summary>Implicitly the tiny model's metadata, version "crafted-1".</summary>
    private sealed class WeightsMetadataFor
    {
        public static implicit operator Checkpoints.WeightsMetadata(WeightsMetadataFor _) =>
            Checkpoints.WeightsMetadata.For("crafted-1", ModelConfig.Tiny, TaskRegistry.Standard);
    }
}
