using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Inference.Processing;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Inference.Tests;

/// <summary>A person task with its own encoder (TaskSpec.OwnEncoder, the ResNet-18 configurations): its weights'
/// names and format, what the engine reads through it, and that nothing another task reads changes.</summary>
public sealed class OwnEncoderTests : IDisposable
{
    private static readonly TaskRegistry s_shared = new([TaskRegistry.Detection(3, 10), TaskRegistry.Standard["pose"], TaskRegistry.Standard["reid"]]);
    private static readonly TaskRegistry s_ownPose = new(s_shared.Tasks.Select(t => t.Name == "pose" ? t with { OwnEncoder = true } : t));

    // Pose and ReID crops of one size: with a shared encoder they share one pass.
    private static readonly PerceptionOptions s_options = new()
    {
        DetectionResize = new DetectionResize(64, 128),
        DetectionThreshold = 0.5f,
        MaxDetections = 2,
        PoseInput = new CropSize(64, 64),
        ReIdInput = new CropSize(64, 64),
        Tasks = ["pose", "reid"],
    };

    private readonly string _dir = Directory.CreateTempSubdirectory("unihcp-own-encoder-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_own_encoder_lives_under_its_task_and_only_resnet_person_tasks_may_have_one()
    {
        using var model = TestModels.Seeded(3, ModelConfig.ResNet18Fast, s_ownPose);
        var keys = model.state_dict().Keys.ToList();

        Assert.Contains("tasks.pose.backbone_module.conv1.weight", keys);
        Assert.Contains("tasks.pose.backbone_module.layer3.1.conv2.weight", keys);
        Assert.Equal(keys.Count(k => k.StartsWith("backbone_module.", StringComparison.Ordinal)), keys.Count(k => k.StartsWith("tasks.pose.backbone_module.", StringComparison.Ordinal)));
        Assert.DoesNotContain(keys, k => k.StartsWith("tasks.reid.backbone_module.", StringComparison.Ordinal));
        Assert.True(model.HasOwnEncoder("pose"));
        Assert.False(model.HasOwnEncoder("reid"));
        Assert.Contains("only the ResNet-18 configurations", Assert.Throws<ArgumentException>(() => new UniHcpModel(ModelConfig.Tiny, s_ownPose)).Message, StringComparison.Ordinal);
        Assert.Contains("only person tasks", Assert.Throws<ArgumentException>(() => new TaskRegistry([TaskRegistry.Detection() with { OwnEncoder = true }])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Weights_with_an_own_encoder_are_format_2_and_load_back_others_stay_format_1()
    {
        using var model = TestModels.Seeded(3, ModelConfig.ResNet18Fast, s_ownPose);
        string own = Path.Combine(_dir, "own.safetensors"), shared = Path.Combine(_dir, "shared.safetensors");
        WeightsFile.Save(own, model, WeightsMetadata.For("own-1", model.Config, model.Tasks));
        using var plain = TestModels.Seeded(3, ModelConfig.ResNet18Fast, s_shared);
        WeightsFile.Save(shared, plain, WeightsMetadata.For("shared-1", plain.Config, plain.Tasks));

        var (loaded, metadata) = WeightsFile.Load(own);
        using (loaded)
        {
            Assert.Equal(2, metadata.FormatVersion);
            Assert.True(metadata.Tasks.Single(t => t.Name == "pose").OwnEncoder);
            Assert.True(loaded.HasOwnEncoder("pose"));
            var expected = model.state_dict();
            Assert.All(loaded.state_dict(), p => Assert.True(p.Value.equal(expected[p.Key]).all().item<bool>(), p.Key));
        }
        var sharedMetadata = WeightsFile.ReadMetadata(shared);
        Assert.Equal(1, sharedMetadata.FormatVersion);
        Assert.DoesNotContain("ownEncoder", sharedMetadata.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_engine_reads_pose_through_its_own_encoder_and_detection_and_reid_do_not_move()
    {
        using var sharedModel = CraftedDetector(TestModels.Seeded(5, ModelConfig.ResNet18Fast, s_shared));
        var frame = EngineTests.Frame("door", 100, 70);

        var (reference, referencePasses) = Run(TestModels.CopyOf(sharedModel), frame);
        var (same, samePasses) = Run(WithOwnPoseEncoder(sharedModel, perturb: false), frame);
        var (moved, _) = Run(WithOwnPoseEncoder(sharedModel, perturb: true), frame);

        Assert.Equal(2, reference.Count);
        for (int i = 0; i < reference.Count; i++)
        {
            // An exact copy of the shared encoder: every output as before.
            Assert.Equal(reference[i].Box, same[i].Box);
            Assert.Equal(reference[i].Embedding.ToArray(), same[i].Embedding.ToArray());
            Assert.Equal(reference[i].Keypoints!.Select(k => (k.X, k.Y, k.Score)), same[i].Keypoints!.Select(k => (k.X, k.Y, k.Score)));
            // Pose's own encoder changed: only the keypoints move.
            Assert.Equal(reference[i].Box, moved[i].Box);
            Assert.Equal(reference[i].Embedding.ToArray(), moved[i].Embedding.ToArray());
            Assert.NotEqual(reference[i].Keypoints!.Select(k => k.Score), moved[i].Keypoints!.Select(k => k.Score));
        }
        // Detection, the shared crop pass and pose's flip pass; pose's own encoder adds its own crop pass.
        Assert.Equal(3, referencePasses);
        Assert.Equal(4, samePasses);
    }

    [Fact]
    public void The_official_export_of_a_task_with_its_own_encoder_carries_that_encoder()
    {
        using var shared = TestModels.Seeded(5, ModelConfig.ResNet18Fast, s_shared);
        using var model = WithOwnPoseEncoder(shared, perturb: true);
        var weights = model.state_dict();

        var pose = OfficialExporter.StateDict(model, "pose");
        var reid = OfficialExporter.StateDict(model, "reid");

        Assert.True(pose["module.backbone_module.conv1.weight"].equal(weights["tasks.pose.backbone_module.conv1.weight"]).all().item<bool>());
        Assert.True(reid["module.backbone_module.conv1.weight"].equal(weights["backbone_module.conv1.weight"]).all().item<bool>());
        Assert.DoesNotContain(pose.Keys, k => k.Contains("predictor.backbone_module", StringComparison.Ordinal));
        Assert.DoesNotContain(reid.Keys, k => k.Contains("backbone_module", StringComparison.Ordinal) && !k.StartsWith("module.backbone_module.", StringComparison.Ordinal));
        Assert.Equal(pose.Keys.Order(StringComparer.Ordinal), reid.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_stride_8_own_encoder_brings_its_own_neck_keeps_pose_maps_at_a_quarter_of_the_crop_and_is_format_3()
    {
        var fine = new TaskRegistry(s_shared.Tasks.Select(t => t.Name == "pose" ? t with { OwnEncoder = true, OwnEncoderStride = 8 } : t));
        using var model = TestModels.Seeded(3, ModelConfig.ResNet18Fast, fine);
        model.eval();
        var weights = model.state_dict();
        int width = ModelConfig.ResNet18Fast.Encoder.EmbedDim, hidden = ModelConfig.ResNet18Fast.Decoder.Hidden;

        // The shared neck up-samples stride 16 twice; pose's own neck once, then a 1x1 convolution.
        Assert.Equal([width, hidden, 2, 2], weights["neck_module.mask_map.3.weight"].shape);
        Assert.Equal([hidden, width, 1, 1], weights["tasks.pose.neck_module.mask_map.3.weight"].shape);
        Assert.DoesNotContain(weights.Keys, k => k.StartsWith("tasks.reid.neck_module.", StringComparison.Ordinal));
        using (no_grad())
        {
            var crops = rand([2, 3, 64, 48], generator: new Generator(4)) * 255;
            Assert.Equal([2, width, 8, 6], model.Encode(crops, "pose").shape);
            Assert.Equal([2, width, 4, 3], model.Encode(crops, "reid").shape);
            using var pose = model.Forward("pose", crops);
            Assert.Equal([2, 17, 16, 12], pose.LocalMapLogits!.shape);
        }

        string path = Path.Combine(_dir, "fine.safetensors");
        WeightsFile.Save(path, model, WeightsMetadata.For("fine-1", model.Config, model.Tasks));
        var (loaded, metadata) = WeightsFile.Load(path);
        using (loaded)
        {
            Assert.Equal(3, metadata.FormatVersion);
            Assert.Equal(8, metadata.Tasks.Single(t => t.Name == "pose").OwnEncoderStride);
            Assert.Null(metadata.Tasks.Single(t => t.Name == "reid").OwnEncoderStride);
            Assert.All(loaded.state_dict(), p => Assert.True(p.Value.equal(weights[p.Key]).all().item<bool>(), p.Key));
        }
        Assert.Contains("cannot be exported", Assert.Throws<ArgumentException>(() => OfficialExporter.StateDict(model, "pose")).Message, StringComparison.Ordinal);
        Assert.Contains("needs an own encoder", Assert.Throws<ArgumentException>(() => new TaskRegistry([TaskRegistry.Standard["pose"] with { OwnEncoderStride = 8 }])).Message, StringComparison.Ordinal);
        Assert.Contains("must be 8 or 16", Assert.Throws<ArgumentException>(() => new TaskRegistry([TaskRegistry.Standard["pose"] with { OwnEncoder = true, OwnEncoderStride = 4 }])).Message, StringComparison.Ordinal);
    }

    // The engine owns (and disposes) the model it is given.
    private static (List<PersonObservation> Persons, long Passes) Run(UniHcpModel model, VideoFrame frame)
    {
        using var engine = new PerceptionEngineBuilder().WithModel(model, WeightsMetadata.For("own-test", model.Config, model.Tasks)).WithOptions(s_options).Build();
        var persons = Assert.Single(engine.Process([frame])).Persons.ToList();
        return (persons, engine.EncoderPasses);
    }

    // A copy of the shared model whose pose task has its own encoder: an exact copy of the shared one, or with its
    // pyramid shifted (perturb).
    private static UniHcpModel WithOwnPoseEncoder(UniHcpModel shared, bool perturb)
    {
        var model = new UniHcpModel(shared.Config, s_ownPose);
        var source = shared.state_dict();
        using (no_grad())
        {
            foreach (var (key, value) in model.state_dict())
                value.copy_(source[key.StartsWith("tasks.pose.backbone_module.", StringComparison.Ordinal) ? key["tasks.pose.".Length..] : key]);
            if (perturb)
            {
                foreach (var (key, value) in model.state_dict().Where(p => p.Key.StartsWith("tasks.pose.backbone_module.fpn.", StringComparison.Ordinal)))
                    value.add_(randn(value.shape, generator: new Generator(9)) * 0.5);
            }
        }
        return model;
    }

    // Every anchor at (0.25, 0.6) or (0.6, 0.5), boxes 0.2 x 0.4 of the image, every score sigmoid(5): two persons.
    private static UniHcpModel CraftedDetector(UniHcpModel model)
    {
        var weights = model.state_dict();
        using (no_grad())
        {
            var anchors = weights["tasks.detection.query_embed.weight"];
            anchors.copy_(tensor(Enumerable.Range(0, (int)anchors.shape[0]).SelectMany(i => i % 2 == 0 ? new[] { 0.25f, 0.6f } : [0.6f, 0.5f]).ToArray()).reshape(anchors.shape));
            weights["tasks.detection.bbox_embed.layers.2.weight"].zero_();
            weights["tasks.detection.bbox_embed.layers.2.bias"].copy_(tensor(new float[] { 0, 0, Logit(0.2f), Logit(0.4f) }));
            weights["decoder_module.predictor.class_embed.weight"].zero_();
            weights["decoder_module.predictor.class_embed.bias"].fill_(5f);
        }
        model.eval();
        return model;
    }

    private static float Logit(float p) => MathF.Log(p / (1 - p));
}
