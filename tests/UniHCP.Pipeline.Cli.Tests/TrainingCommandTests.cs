using UniHCP.Pipeline.Tests.Support;
using UniHCP.Pipeline.Inference;
using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Model;

namespace UniHCP.Pipeline.Cli.Tests;

/// <summary>The train and eval commands on ../shared/data with a tiny model: joint person-task runs (`--with`, loss
/// weights), site data in COCO files for pose and detection, and the eval commands that score them.</summary>
public sealed class TrainingCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("unihcp-person-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [SharedDataFact]
    public async Task A_joint_parsing_and_pose_run_marks_both_trained_and_records_the_loss_weights()
    {
        string weights = TinyWeights();
        string run = Path.Combine(_dir, "run");

        var (exitCode, output, error) = await CliRunner.RunAsync("train", "parsing", "--with", "pose", "--with-batch-size", "pose=2", "--loss-weight", "parsing=0.5",
            "--weights", weights, "--data", SharedData.Root, "--out", run, "--steps", "2", "--evaluate-every", "2", "--batch-size", "1");

        Assert.True(exitCode == 0, output + error);
        Assert.Contains("4 training and 1 held-out images", output, StringComparison.Ordinal);
        var metadata = WeightsFile.ReadMetadata(Path.Combine(run, "model.safetensors"));
        Assert.True(metadata.Tasks.Single(t => t.Name == "parsing").Trained);
        Assert.True(metadata.Tasks.Single(t => t.Name == "pose").Trained);
        Assert.False(metadata.Tasks.Single(t => t.Name == "reid").Trained);
        Assert.Equal("0.5", metadata.Provenance["parsing.loss_weight"]);
        Assert.Equal("1000", metadata.Provenance["pose.loss_weight"]);
        Assert.Equal("pose", metadata.Provenance["parsing.trained_with"]);
        Assert.Equal("2", metadata.Provenance["pose.batch_size"]);
        Assert.Equal("1", metadata.Provenance["parsing.batch_size"]);
        Assert.Contains("parsing-cihp.parsing_miou", metadata.Provenance["training.metrics"], StringComparison.Ordinal);

        var (evalCode, evalOutput, evalError) = await CliRunner.RunAsync("eval", "parsing", "--weights", Path.Combine(run, "model.safetensors"), "--data", SharedData.Root);
        Assert.True(evalCode == 0, evalOutput + evalError);
        Assert.Contains("(trained)", evalOutput, StringComparison.Ordinal);
        Assert.Matches(@"images\s+1\s+pixel accuracy \d\.\d{3}\s+mean accuracy \d\.\d{3}\s+mIoU \d\.\d{3}", evalOutput);
    }

    [SharedDataFact]
    public async Task Pose_trains_on_a_human_annotated_coco_file_with_an_image_held_out()
    {
        string run = Path.Combine(_dir, "coco");
        string humanArt = Path.Combine(SharedData.Root, "pose-samples", "humanart");

        var (exitCode, output, error) = await CliRunner.RunAsync("train", "pose", "--coco", Path.Combine(humanArt, "test_humanart.json"), "--images", humanArt,
            "--weights", TinyWeights(), "--out", run, "--steps", "2", "--evaluate-every", "2", "--batch-size", "2");

        Assert.True(exitCode == 0, output + error);
        Assert.Contains("2 training images (2 persons), 1 held out (2; every fifth image)", output, StringComparison.Ordinal);
        var metadata = WeightsFile.ReadMetadata(Path.Combine(run, "model.safetensors"));
        Assert.Equal("test_humanart.json (human annotations), 2 images", metadata.Tasks.Single(t => t.Name == "pose").Source);
        Assert.Contains("test_humanart.pose_ap", metadata.Provenance["training.metrics"], StringComparison.Ordinal);
    }

    [SharedDataFact]
    public async Task Pose_gets_its_own_encoder_on_resnet_weights_and_vit_weights_are_told_why_not()
    {
        string run = Path.Combine(_dir, "own");
        string humanArt = Path.Combine(SharedData.Root, "pose-samples", "humanart");
        string resnet = Path.Combine(_dir, "r18.safetensors");
        TorchRuntime.EnsureLoaded();
        TorchSharp.torch.manual_seed(4);
        var tasks = new TaskRegistry([TaskRegistry.Detection(3, 10), TaskRegistry.Standard["pose"]]);
        using (var model = new UniHcpModel(ModelConfig.ResNet18Fast, tasks))
            WeightsFile.Save(resnet, model, WeightsMetadata.For("r18-cli-test", ModelConfig.ResNet18Fast, tasks));

        var (exitCode, output, error) = await CliRunner.RunAsync("train", "pose", "--coco", Path.Combine(humanArt, "test_humanart.json"), "--images", humanArt,
            "--weights", resnet, "--own-encoder", "--out", run, "--steps", "1", "--evaluate-every", "1", "--batch-size", "2");

        Assert.True(exitCode == 0, output + error);
        Assert.Contains("pose now reads crops through its own copy of the encoder", output, StringComparison.Ordinal);
        var metadata = WeightsFile.ReadMetadata(Path.Combine(run, "model.safetensors"));
        Assert.True(metadata.Tasks.Single(t => t.Name == "pose").OwnEncoder);
        Assert.Equal(2, metadata.FormatVersion);

        // The trained stride-16 own encoder moves to stride 8; without an own encoder the stride alone is refused.
        string fine = Path.Combine(_dir, "own8");
        var (fineCode, fineOutput, fineError) = await CliRunner.RunAsync("train", "pose", "--coco", Path.Combine(humanArt, "test_humanart.json"), "--images", humanArt,
            "--weights", Path.Combine(run, "model.safetensors"), "--own-encoder-stride", "8", "--out", fine, "--steps", "1", "--evaluate-every", "1", "--batch-size", "2");
        Assert.True(fineCode == 0, fineOutput + fineError);
        Assert.Contains("pose's own encoder now reads crops at stride 8", fineOutput, StringComparison.Ordinal);
        var fineMetadata = WeightsFile.ReadMetadata(Path.Combine(fine, "model.safetensors"));
        Assert.Equal(8, fineMetadata.Tasks.Single(t => t.Name == "pose").OwnEncoderStride);
        Assert.Equal(3, fineMetadata.FormatVersion);
        var (strideCode, _, strideError) = await CliRunner.RunAsync("train", "pose", "--coco", Path.Combine(humanArt, "test_humanart.json"), "--images", humanArt,
            "--weights", resnet, "--own-encoder-stride", "8", "--out", Path.Combine(_dir, "never8"), "--steps", "1");
        Assert.Equal(2, strideCode);
        Assert.Contains("has none: add --own-encoder", strideError, StringComparison.Ordinal);

        var (vitCode, _, vitError) = await CliRunner.RunAsync("train", "pose", "--coco", Path.Combine(humanArt, "test_humanart.json"), "--images", humanArt,
            "--weights", TinyWeights(), "--own-encoder", "--out", Path.Combine(_dir, "never"), "--steps", "1");
        Assert.Equal(2, vitCode);
        Assert.Contains("only the ResNet-18 configurations offer", vitError, StringComparison.Ordinal);
    }

    [SharedDataFact]
    public async Task Detection_fine_tunes_on_a_site_coco_file_and_eval_scores_it()
    {
        string run = Path.Combine(_dir, "site");
        string ochuman = Path.Combine(SharedData.Root, "pose-samples", "ochuman");
        string file = Path.Combine(ochuman, "test_ochuman.json");

        var (exitCode, output, error) = await CliRunner.RunAsync("train", "detection", "--coco", file, "--weights", TinyWeights(), "--out", run,
            "--steps", "2", "--evaluate-every", "2", "--batch-size", "1", "--dataset-weight", "test_ochuman=3",
            "--short-sides", "256,288", "--max-long-side", "480", "--evaluation-short-side", "288", "--seed", "5");

        Assert.True(exitCode == 0, output + error);
        Assert.Contains("2 training and 1 held-out images, 5 persons", output, StringComparison.Ordinal);
        Assert.Contains("held-out before: test_ochuman.ap50", output, StringComparison.Ordinal);
        var metadata = WeightsFile.ReadMetadata(Path.Combine(run, "model.safetensors"));
        Assert.Contains("fine-tuned on test_ochuman.json (2 images)", metadata.Tasks.Single(t => t.Type == TaskType.Detection).Source, StringComparison.Ordinal);
        Assert.Equal("test_ochuman (weight 3)", metadata.Provenance["detection.datasets"]);
        Assert.Equal("5", metadata.Provenance["training.seed"]);
        Assert.Equal("short sides 256,288, long side at most 480; held out scored at 288 (long side at most 480), tiles auto", metadata.Provenance["detection.training_sizes"]);

        var (evalCode, evalOutput, evalError) = await CliRunner.RunAsync("eval", "detection", "--weights", Path.Combine(run, "model.safetensors"), "--coco", file);
        Assert.True(evalCode == 0, evalOutput + evalError);
        Assert.Matches(@"test_ochuman\s+images\s+3\s+persons\s+5\s+AP50 \d\.\d{3}\s+AP \d\.\d{3}\s+MR-2 \d\.\d{3}", evalOutput);
        Assert.Contains("every detection kept", evalOutput, StringComparison.Ordinal); // these weights record no duplicate IoU
        Assert.Contains("input short side 576 (long side at most 768)", evalOutput, StringComparison.Ordinal); // nor an input size
        string sized = Path.Combine(_dir, "sized.safetensors");
        var (exportCode, exportOutput, exportError) = await CliRunner.RunAsync("weights", "export", Path.Combine(run, "model.safetensors"), "--out", sized, "--detection-short-side", "288");
        Assert.True(exportCode == 0, exportOutput + exportError);
        (evalCode, evalOutput, evalError) = await CliRunner.RunAsync("eval", "detection", "--weights", sized, "--coco", file);
        Assert.True(evalCode == 0, evalOutput + evalError);
        Assert.Contains("input short side 288 (long side at most 480)", evalOutput, StringComparison.Ordinal); // the size runs of them use
        (evalCode, evalOutput, evalError) = await CliRunner.RunAsync("eval", "detection", "--weights", sized, "--coco", file, "--detection-max-long-side", "400");
        Assert.True(evalCode == 0, evalOutput + evalError);
        Assert.Contains("input short side 288 (long side at most 400)", evalOutput, StringComparison.Ordinal);
        (exportCode, exportOutput, exportError) = await CliRunner.RunAsync("weights", "export", Path.Combine(run, "model.safetensors"), "--out", Path.Combine(_dir, "capped.safetensors"), "--detection-short-side", "288", "--detection-max-long-side", "384");
        Assert.True(exportCode == 0, exportOutput + exportError);
        (evalCode, evalOutput, evalError) = await CliRunner.RunAsync("eval", "detection", "--weights", Path.Combine(_dir, "capped.safetensors"), "--coco", file);
        Assert.True(evalCode == 0, evalOutput + evalError);
        Assert.Contains("input short side 288 (long side at most 384)", evalOutput, StringComparison.Ordinal);
        // Fine-tuning such weights scores its held-out images as their runs read them: recorded size and duplicates.
        string recorded = Path.Combine(_dir, "recorded.safetensors");
        (exportCode, exportOutput, exportError) = await CliRunner.RunAsync("weights", "export", Path.Combine(run, "model.safetensors"), "--out", recorded, "--detection-short-side", "288", "--detection-max-long-side", "384", "--duplicate-iou", "0.7");
        Assert.True(exportCode == 0, exportOutput + exportError);
        var (retrainCode, retrainOutput, retrainError) = await CliRunner.RunAsync("train", "detection", "--coco", file, "--weights", recorded, "--out", Path.Combine(_dir, "retrained"),
            "--steps", "1", "--evaluate-every", "1", "--batch-size", "1", "--short-sides", "256", "--max-long-side", "384");
        Assert.True(retrainCode == 0, retrainOutput + retrainError);
        Assert.Contains("held-out images scored at short side 288 (long side at most 384), detections overlapping a better one by IoU 0.7 dropped", retrainOutput, StringComparison.Ordinal);
        Assert.Equal("short sides 256, long side at most 384; held out scored at 288 (long side at most 384), duplicates above IoU 0.7 dropped, tiles auto",
            WeightsFile.ReadMetadata(Path.Combine(_dir, "retrained", "model.safetensors")).Provenance["detection.training_sizes"]);
        (exportCode, _, exportError) = await CliRunner.RunAsync("weights", "export", Path.Combine(run, "model.safetensors"), "--out", Path.Combine(_dir, "never.safetensors"), "--detection-short-side", "288", "--detection-max-long-side", "200");
        Assert.NotEqual(0, exportCode);
        Assert.Contains("'inference.detection_max_long_side' = '200' must be a whole number of pixels from the short side (288)", exportError, StringComparison.Ordinal);
        (evalCode, evalOutput, evalError) = await CliRunner.RunAsync("eval", "detection", "--weights", Path.Combine(run, "model.safetensors"), "--coco", file, "--duplicate-iou", "0.7");
        Assert.True(evalCode == 0, evalOutput + evalError);
        Assert.Contains("detections overlapping a better one by IoU 0.7 dropped", evalOutput, StringComparison.Ordinal);
        (evalCode, _, evalError) = await CliRunner.RunAsync("eval", "detection", "--weights", Path.Combine(run, "model.safetensors"), "--coco", file, "--duplicate-iou", "2");
        Assert.NotEqual(0, evalCode);
        Assert.Contains("--duplicate-iou 2 must be within [0.05, 1].", evalError, StringComparison.Ordinal);
        (retrainCode, _, retrainError) = await CliRunner.RunAsync("train", "detection", "--coco", file, "--weights", recorded, "--out", Path.Combine(_dir, "never-tiled"),
            "--steps", "1", "--evaluation-tiles", "7");
        Assert.Equal(2, retrainCode);
        Assert.Contains("--evaluation-tiles '7' must be auto or 1 (the whole image only) to 4.", retrainError, StringComparison.Ordinal);

        var (badCode, _, badError) = await CliRunner.RunAsync("train", "detection", "--coco", Path.Combine(_dir, "absent.json"), "--out", Path.Combine(_dir, "never"));
        Assert.Equal(ExitCodes.BadInput, badCode);
        Assert.Contains("absent.json' does not exist", badError, StringComparison.Ordinal);

        var (unknownCode, _, unknownError) = await CliRunner.RunAsync("train", "detection", "--coco", file, "--weights", TinyWeights(), "--out", Path.Combine(_dir, "never"),
            "--dataset-weight", "nobody=2");
        Assert.Equal(ExitCodes.BadInput, unknownCode);
        Assert.Contains("no dataset named 'nobody'; the datasets are test_ochuman", unknownError, StringComparison.Ordinal);

        var (sizeCode, _, sizeError) = await CliRunner.RunAsync("train", "detection", "--coco", file, "--weights", TinyWeights(), "--out", Path.Combine(_dir, "never"),
            "--short-sides", "512,big");
        Assert.Equal(ExitCodes.BadInput, sizeCode);
        Assert.Contains("--short-sides '512,big': 'big' is not a size", sizeError, StringComparison.Ordinal);
        var (capCode, _, capError) = await CliRunner.RunAsync("train", "detection", "--coco", file, "--weights", TinyWeights(), "--out", Path.Combine(_dir, "never"),
            "--short-sides", "512", "--max-long-side", "400");
        Assert.Equal(ExitCodes.BadInput, capCode);
        Assert.Contains("--max-long-side 400 must be at least the largest short side (512)", capError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reid_trains_on_a_market1501_layout_folder_and_eval_uses_its_query_and_gallery()
    {
        string root = Path.Combine(_dir, "market");
        var names = new Dictionary<string, string[]>
        {
            ["bounding_box_train"] = [.. Enumerable.Range(1, 5).SelectMany(id => new[] { $"{id:D4}_c1s1_000{id}01_01", $"{id:D4}_c2s1_000{id}02_01" })],
            ["query"] = ["0011_c1s1_001101_01", "0012_c2s1_001201_01"],
            ["bounding_box_test"] = ["0011_c2s1_001102_01", "0012_c1s1_001202_01", "-1_c1s1_000001_01", "0000_c2s1_000002_01"],
        };
        foreach (var (folder, files) in names)
        {
            Directory.CreateDirectory(Path.Combine(root, folder));
            foreach (string name in files)
            {
                var pixels = new byte[64 * 128 * 3];
                new Random(name.Length + name[3]).NextBytes(pixels);
                File.WriteAllBytes(Path.Combine(root, folder, name + ".jpg"), Inference.Processing.ImageCodec.EncodeJpeg(new Inference.Processing.RgbImage(64, 128, pixels)));
            }
        }
        string run = Path.Combine(_dir, "reid");
        string weights = TinyWeights();

        var (exitCode, output, error) = await CliRunner.RunAsync("train", "reid", "--data", root, "--weights", weights, "--out", run, "--steps", "2", "--evaluate-every", "2", "--batch-size", "8");
        Assert.True(exitCode == 0, output + error);
        Assert.Contains("4 training identities (8 crops), 1 held out (2 crops)", output, StringComparison.Ordinal);
        Assert.Equal("market bounding_box_train identities", WeightsFile.ReadMetadata(Path.Combine(run, "model.safetensors")).Tasks.Single(t => t.Name == "reid").Source);

        var (evalCode, evalOutput, evalError) = await CliRunner.RunAsync("eval", "reid", "--weights", Path.Combine(run, "model.safetensors"), "--data", root);
        Assert.True(evalCode == 0, evalOutput + evalError);
        Assert.Contains("Market-1501 protocol: 2 queries against 4 gallery images", evalOutput, StringComparison.Ordinal);
        Assert.Matches(@"market\s+queries\s+2\s+mAP \d\.\d{3}\s+rank-1 \d\.\d{3}", evalOutput);
    }

    [Fact]
    public async Task Pose_and_reid_train_on_scene_labels_with_a_scene_held_out()
    {
        string scenes = Directory.CreateDirectory(Path.Combine(_dir, "scenes")).FullName;
        await WalkingSceneLabels.WriteAsync(scenes, "a");
        await WalkingSceneLabels.WriteAsync(scenes, "b");
        string weights = TinyWeights();

        var (poseCode, poseOutput, poseError) = await CliRunner.RunAsync("train", "pose", "--scenes", scenes, "--held-out-scenes", "b", "--weights", weights,
            "--out", Path.Combine(_dir, "scene-pose"), "--steps", "2", "--evaluate-every", "2", "--batch-size", "2", "--rotation", "30", "--half-body", "0.3");
        Assert.True(poseCode == 0, poseOutput + poseError);
        Assert.Contains("scene keypoints: 15 training frames (15 persons), 20 validation (20; held out whole: b)", poseOutput, StringComparison.Ordinal);
        var pose = WeightsFile.ReadMetadata(Path.Combine(_dir, "scene-pose", "model.safetensors"));
        Assert.Equal("teacher keypoints (MoveNet on crops) of the scenes in scenes", pose.Tasks.Single(t => t.Name == "pose").Source);
        Assert.Contains("scenes.pose_ap", pose.Provenance["training.metrics"], StringComparison.Ordinal);

        var (reidCode, reidOutput, reidError) = await CliRunner.RunAsync("train", "reid", "--scenes", scenes, "--held-out-scenes", "b", "--weights", weights,
            "--out", Path.Combine(_dir, "scene-reid"), "--steps", "2", "--evaluate-every", "2", "--batch-size", "8");
        Assert.True(reidCode == 0, reidOutput + reidError);
        Assert.Contains("scene tracklet identities: 2 training", reidOutput, StringComparison.Ordinal);
        var reid = WeightsFile.ReadMetadata(Path.Combine(_dir, "scene-reid", "model.safetensors"));
        Assert.True(reid.Tasks.Single(t => t.Name == "reid").Trained);
        Assert.Contains("scenes.reid_map", reid.Provenance["training.metrics"], StringComparison.Ordinal);

        var (badCode, _, badError) = await CliRunner.RunAsync("train", "reid", "--scenes", scenes, "--weights", weights, "--out", Path.Combine(_dir, "never"));
        Assert.Equal(ExitCodes.BadInput, badCode);
        Assert.Contains("name at least one with --held-out-scenes", badError, StringComparison.Ordinal);
    }

    [SharedDataFact]
    public async Task Pose_trains_on_scene_labels_and_a_coco_file_together_and_the_scenes_validate()
    {
        string scenes = Directory.CreateDirectory(Path.Combine(_dir, "scenes-coco")).FullName;
        await WalkingSceneLabels.WriteAsync(scenes, "a");
        await WalkingSceneLabels.WriteAsync(scenes, "b");
        string humanArt = Path.Combine(SharedData.Root, "pose-samples", "humanart");

        var (exitCode, output, error) = await CliRunner.RunAsync("train", "pose", "--scenes", scenes, "--held-out-scenes", "b",
            "--coco", Path.Combine(humanArt, "test_humanart.json"), "--images", humanArt, "--weights", TinyWeights(),
            "--out", Path.Combine(_dir, "scene-coco-pose"), "--steps", "2", "--evaluate-every", "2", "--batch-size", "2");

        Assert.True(exitCode == 0, output + error);
        Assert.Contains("test_humanart.json: 3 images (4 persons) train beside the scenes", output, StringComparison.Ordinal);
        var pose = WeightsFile.ReadMetadata(Path.Combine(_dir, "scene-coco-pose", "model.safetensors"));
        Assert.Equal("teacher keypoints (MoveNet on crops) of the scenes in scenes-coco and test_humanart.json (all 3 images)", pose.Tasks.Single(t => t.Name == "pose").Source);
        Assert.Contains("scenes.pose_ap", pose.Provenance["training.metrics"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--with", "detection", "not a person task")]
    [InlineData("--with", "parsing", "already in the run")]
    [InlineData("--loss-weight", "parsing=-1", "must be a positive number")]
    [InlineData("--loss-weight", "reid=2", "task one of parsing")]
    [InlineData("--with-batch-size", "pose=4", "no task of this run takes it")]
    public async Task Bad_task_choices_and_loss_weights_are_refused_before_anything_loads(string option, string value, string message)
    {
        var (exitCode, _, error) = await CliRunner.RunAsync("train", "parsing", option, value, "--out", Path.Combine(_dir, "never"), "--weights", Path.Combine(_dir, "absent.safetensors"));

        Assert.Equal(ExitCodes.BadInput, exitCode);
        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "never")));
    }

    [SharedDataFact]
    public async Task Eval_pose_scores_keypoint_files_of_several_layouts_each_and_together()
    {
        string samples = Path.Combine(SharedData.Root, "pose-samples");
        string weights = TinyWeights();

        // CrowdPose names its joints in its own order and lacks the face; OCHuman is COCO's layout.
        var (exitCode, output, error) = await CliRunner.RunAsync("eval", "pose", "--weights", weights,
            "--coco", Path.Combine(samples, "crowdpose", "test_crowdpose.json"), Path.Combine(samples, "ochuman", "test_ochuman.json"));

        Assert.True(exitCode == 0, output + error);
        Assert.Matches(@"test_crowdpose  images    2  persons     4  AP \d\.\d{3}  AP50 \d\.\d{3}  \(not scored, unlabelled: nose, left_eye, right_eye, left_ear, right_ear\)", output);
        Assert.Matches(@"test_ochuman  images    3  persons     5  AP \d\.\d{3}  AP50 \d\.\d{3}\r?\n", output);
        Assert.Matches(@"all  images    5  persons     9  AP \d\.\d{3}", output);

        // A file without a labelled person is named, not scored as zero beside the others.
        string empty = Path.Combine(_dir, "empty.json");
        File.WriteAllText(empty, """{ "images": [], "annotations": [], "categories": [ { "id": 1, "name": "person", "keypoints": ["left_shoulder", "right_shoulder"] } ] }""");
        var (emptyCode, _, emptyError) = await CliRunner.RunAsync("eval", "pose", "--weights", weights, "--coco", Path.Combine(samples, "ochuman", "test_ochuman.json"), empty);
        Assert.Equal(ExitCodes.BadInput, emptyCode);
        Assert.Contains($"'{empty}' has no image with a labelled person", emptyError, StringComparison.Ordinal);

        var (badCode, _, badError) = await CliRunner.RunAsync("train", "pose", "--rotation", "120", "--weights", weights, "--out", Path.Combine(_dir, "never"));
        Assert.NotEqual(0, badCode);
        Assert.Contains("--rotation 120 must be within [0, 90]", badError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Eval_parsing_names_a_missing_dataset_folder()
    {
        var (exitCode, _, error) = await CliRunner.RunAsync("eval", "parsing", "--weights", TinyWeights(), "--data", Path.Combine(_dir, "nowhere"));

        Assert.Equal(ExitCodes.BadInput, exitCode);
        Assert.Contains(Path.Combine(_dir, "nowhere", "parsing-cihp"), error, StringComparison.Ordinal);
    }

    private string TinyWeights()
    {
        TorchRuntime.EnsureLoaded();
        TorchSharp.torch.manual_seed(4);
        string path = Path.Combine(_dir, "tiny.safetensors");
        using var model = new UniHcpModel(ModelConfig.Tiny, TaskRegistry.Standard);
        var metadata = WeightsMetadata.For("person-cli-test", ModelConfig.Tiny, TaskRegistry.Standard);
        WeightsFile.Save(path, model, metadata with { Tasks = [.. metadata.Tasks.Select(t => t with { Trained = false })] });
        return path;
    }
}
