using UniHCP.Pipeline.Inference;
using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Model;

namespace UniHCP.Pipeline.Cli.Tests;

/// <summary>`train parsing` with `--with pose` (a joint run with loss weights) and `eval parsing`, on ../shared/data, with a tiny model.</summary>
public sealed class PersonTrainingCommandTests : IDisposable
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
