using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Inference.Processing;
using UniHCP.Pipeline.Ingest;
using UniHCP.Pipeline.Training.Data;
using UniHCP.Pipeline.Training.Pose;

namespace UniHCP.Pipeline.Training.Tests;

/// <summary>Pose targets and pose training on the sample video's teacher keypoints.</summary>
public sealed class PoseTrainingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("unihcp-pose-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly (int, int)[] s_pairs = [(0, 1)];

    [Fact]
    public void A_target_decodes_back_to_its_joint_through_the_engines_decoder()
    {
        var crop = CropBox.Around(new BoundingBox(100, 50, 160, 210), 192, 256);
        (float X, float Y)[] joints = [(121.3f, 80.7f), (140.2f, 190.4f), (900f, 900f)];

        var (maps, weights) = PoseTargets.Build(joints, [true, true, true], crop, 64, 48, mirrored: false, s_pairs);

        Assert.Equal([1f, 1f, 0f], weights); // the third joint lies outside the crop
        var decoded = HeatmapDecoder.Decode(maps, 3, 64, 48);
        for (int j = 0; j < 2; j++)
        {
            Assert.Equal(joints[j].X, crop.SourceX(decoded[j].X, 48), 0.1);
            Assert.Equal(joints[j].Y, crop.SourceY(decoded[j].Y, 64), 0.1);
        }
    }

    [Fact]
    public void A_mirrored_target_swaps_the_pair_and_mirrors_the_position()
    {
        var crop = CropBox.Around(new BoundingBox(100, 50, 160, 210), 192, 256);
        (float X, float Y)[] joints = [(121.3f, 80.7f), (140.2f, 190.4f)];
        var (plain, _) = PoseTargets.Build(joints, [true, false], crop, 64, 48, mirrored: false, s_pairs);

        var (mirrored, weights) = PoseTargets.Build(joints, [true, false], crop, 64, 48, mirrored: true, s_pairs);

        Assert.Equal([0f, 1f], weights); // joint 0 is now in map 1
        var original = HeatmapDecoder.Decode(plain, 2, 64, 48)[0];
        var flipped = HeatmapDecoder.Decode(mirrored, 2, 64, 48)[1];
        Assert.Equal(47 - original.X, flipped.X, 0.05);
        Assert.Equal(original.Y, flipped.Y, 0.05);
    }

    [SharedDataFact]
    public async Task Training_only_the_pose_queries_leaves_every_other_tensor_bit_identical()
    {
        var samples = await TeacherFrames(2);
        var tasks = new TaskRegistry([TaskRegistry.Detection(3, 10), TaskRegistry.Standard["pose"]]);
        TorchSharp.torch.manual_seed(5);
        using var model = new UniHcpModel(ModelConfig.Tiny, tasks);
        var before = model.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone());
        var options = new TrainerOptions { OutputDirectory = _dir, Steps = 3, WarmupSteps = 1, EvaluateEvery = 3, CheckpointEvery = 3, LearningRate = 1e-2, TrainableParameters = ["tasks.pose."] };

        new Trainer(model, WeightsMetadata.For("prompt", ModelConfig.Tiny, tasks), [new PoseTrainingTask("pose", "two", samples, samples, batchSize: 4)], options, new StringWriter()).Run();

        var after = model.state_dict();
        var changed = before.Keys.Where(k => !before[k].equal(after[k]).all().item<bool>()).ToList();
        Assert.Equal(["tasks.pose.query_embed.weight", "tasks.pose.query_feat.weight"], changed.Order(StringComparer.Ordinal));
    }

    [SharedDataFact]
    public async Task Pose_with_its_own_encoder_trains_that_encoder_and_leaves_everything_detection_reads_bit_identical()
    {
        var samples = await TeacherFrames(1);
        var (model, metadata) = OwnPoseEncoderModel(seed: 6);
        using (model)
        {
            var before = model.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone());
            Assert.True(before["tasks.pose.backbone_module.layer2.0.conv1.weight"].equal(before["backbone_module.layer2.0.conv1.weight"]).all().item<bool>());
            // As `train pose` runs: the pose heads (its own encoder included) learn, the shared trunk is frozen.
            var (summary, changed) = TrainPoseHeads(model, metadata, samples, before);

            Assert.Contains("tasks.pose.backbone_module.conv1.weight", changed);
            Assert.Contains("tasks.pose.backbone_module.fpn.lateral3.weight", changed);
            Assert.All(changed, k => Assert.True(k.StartsWith("tasks.pose.", StringComparison.Ordinal) || k.StartsWith("neck_module.", StringComparison.Ordinal) || k.StartsWith("decoder_module.predictor.mask_embed.", StringComparison.Ordinal), k));
            Assert.True(WeightsFile.ReadMetadata(summary.ExportedWeights!).Tasks.Single(t => t.Name == "pose").OwnEncoder);
            Assert.Contains("already has its own encoder", Assert.Throws<ArgumentException>(() => OwnEncoder.Give(model, metadata, "pose")).Message, StringComparison.Ordinal);
        }
    }

    [SharedDataFact]
    public async Task Pose_own_encoder_moved_to_stride_8_starts_from_what_pose_read_and_trains_only_pose_parts()
    {
        var samples = await TeacherFrames(1);
        var (coarse, coarseMetadata) = OwnPoseEncoderModel(seed: 7);
        using (coarse)
        {
            // Pose's stride-16 encoder has learned something of its own: the finer copy must start from it, not the shared one.
            using (TorchSharp.torch.no_grad())
                coarse.state_dict()["tasks.pose.backbone_module.layer3.1.conv2.weight"].mul_(0.5);
            var (model, metadata) = OwnEncoder.Give(coarse, coarseMetadata, "pose", stride: 8);
            using (model)
            {
                var from = coarse.state_dict();
                var before = model.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone());
                Assert.Equal(8, metadata.Tasks.Single(t => t.Name == "pose").OwnEncoderStride);
                Assert.True(before["tasks.pose.backbone_module.layer3.1.conv2.weight"].equal(from["tasks.pose.backbone_module.layer3.1.conv2.weight"]).all().item<bool>());
                Assert.Equal(0.0, before["tasks.pose.backbone_module.fpn.lateral2.weight"].abs().sum().item<float>());
                var kernelMean = from["neck_module.mask_map.3.weight"].mean([2, 3], keepdim: true).transpose(0, 1);
                Assert.True(before["tasks.pose.neck_module.mask_map.3.weight"].allclose(kernelMean));
                Assert.True(before["tasks.pose.neck_module.mask_map.0.weight"].equal(from["neck_module.mask_map.0.weight"]).all().item<bool>());
                Assert.All(before.Where(p => !p.Key.StartsWith("tasks.pose.", StringComparison.Ordinal)), p => Assert.True(p.Value.equal(from[p.Key]).all().item<bool>(), p.Key));
                Assert.Contains("already has its own encoder", Assert.Throws<ArgumentException>(() => OwnEncoder.Give(model, metadata, "pose", stride: 8)).Message, StringComparison.Ordinal);
                Assert.Contains("not from 8 to 16", Assert.Throws<ArgumentException>(() => OwnEncoder.Give(model, metadata, "pose", stride: 16)).Message, StringComparison.Ordinal);

                // As `train pose` runs (the shared neck is among the heads): pose reads its own neck, so only pose's parts move.
                var (summary, changed) = TrainPoseHeads(model, metadata, samples, before);
                Assert.Contains("tasks.pose.backbone_module.fpn.lateral2.weight", changed);
                Assert.Contains("tasks.pose.neck_module.mask_map.3.weight", changed);
                Assert.All(changed, k => Assert.True(k.StartsWith("tasks.pose.", StringComparison.Ordinal) || k.StartsWith("decoder_module.predictor.mask_embed.", StringComparison.Ordinal), k));
                Assert.Equal(8, WeightsFile.ReadMetadata(summary.ExportedWeights!).Tasks.Single(t => t.Name == "pose").OwnEncoderStride);
            }
        }
    }

    // A seeded r18-s16 detection + pose model whose pose has just been given its own (stride-16) encoder.
    private static (UniHcpModel Model, WeightsMetadata Metadata) OwnPoseEncoderModel(int seed)
    {
        var tasks = new TaskRegistry([TaskRegistry.Detection(3, 10), TaskRegistry.Standard["pose"]]);
        TorchSharp.torch.manual_seed(seed);
        using var shared = new UniHcpModel(ModelConfig.ResNet18Fast, tasks);
        return OwnEncoder.Give(shared, WeightsMetadata.For("own", shared.Config, tasks), "pose");
    }

    // Two steps as `train pose --train heads` runs them (the mask neck and head, the pose task's parameters; the shared
    // trunk frozen); returns the run and the names of the tensors that changed from before.
    private (TrainingSummary Summary, List<string> Changed) TrainPoseHeads(UniHcpModel model, WeightsMetadata metadata, List<PoseSample> samples, Dictionary<string, TorchSharp.torch.Tensor> before)
    {
        var options = new TrainerOptions
        {
            OutputDirectory = _dir, Steps = 2, WarmupSteps = 1, EvaluateEvery = 2, CheckpointEvery = 2, LearningRate = 1e-2,
            TrainableParameters = ["neck_module.", "decoder_module.predictor.mask_embed.", "tasks.pose."], FrozenEncoderParts = model.TrunkParts,
        };
        var summary = new Trainer(model, metadata, [new PoseTrainingTask("pose", "one", samples, samples, batchSize: 2)], options, new StringWriter()).Run();
        var after = model.state_dict();
        return (summary, before.Keys.Where(k => !before[k].equal(after[k]).all().item<bool>()).ToList());
    }

    private static async Task<List<PoseSample>> TeacherFrames(int count) =>
        await VideoTeacherReader.ReadPoseAsync(Path.Combine(SharedData.Root, "vtest-teacher", "vtest_teacher_0-599.json"), SampleVideo.Locate(), f => f < count);
}
