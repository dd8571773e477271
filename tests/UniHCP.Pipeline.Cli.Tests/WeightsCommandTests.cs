using UniHCP.Pipeline.Inference;
using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Model;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Cli.Tests;

public sealed class WeightsCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("unihcp-cli-weights-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Import_merges_official_task_files_and_info_describes_the_result()
    {
        TorchRuntime.EnsureLoaded();
        manual_seed(3);
        using (var model = new UniHcpModel(ModelConfig.Tiny, TaskRegistry.Standard))
        {
            OfficialExporter.Write(Path.Combine(_dir, "ckpt_task0.pth.tar"), OfficialExporter.StateDict(model, "detection"), 100);
            OfficialExporter.Write(Path.Combine(_dir, "ckpt_task1.pth.tar"), OfficialExporter.StateDict(model, "pose"), 200);
        }
        string output = Path.Combine(_dir, "merged.safetensors");

        var import = await CliRunner.RunAsync("weights", "import", "-t", $"detection={_dir}/ckpt_task0.pth.tar", "-t", $"pose={_dir}/ckpt_task1.pth.tar",
            "-o", output, "--config", "tiny", "--version", "official-test");

        Assert.True(import.ExitCode == 0, import.Error);
        Assert.Contains("wrote " + output, import.Output, StringComparison.Ordinal);
        var info = await CliRunner.RunAsync("weights", "info", output);
        Assert.Equal(0, info.ExitCode);
        Assert.Contains("version:   official-test", info.Output, StringComparison.Ordinal);
        Assert.Contains("detection  Detection  900", info.Output, StringComparison.Ordinal);
        Assert.Contains("pose       Pose       17", info.Output, StringComparison.Ordinal);
        Assert.Contains("task.pose: ckpt_task1.pth.tar sha256=", info.Output, StringComparison.Ordinal);
        Assert.Contains("step=200", info.Output, StringComparison.Ordinal);
        Assert.Equal(["detection", "pose"], WeightsFile.ReadMetadata(output).Tasks.Select(t => t.Name));
    }

    [Fact]
    public async Task Export_records_the_default_task_set_and_refuses_unknown_tasks()
    {
        TorchRuntime.EnsureLoaded();
        manual_seed(4);
        string source = Path.Combine(_dir, "tiny.safetensors");
        using (var model = new UniHcpModel(ModelConfig.Tiny, TaskRegistry.Standard))
            WeightsFile.Save(source, model, WeightsMetadata.For("tiny-test", ModelConfig.Tiny, TaskRegistry.Standard));
        string output = Path.Combine(_dir, "out.safetensors");

        var pose = await CliRunner.RunAsync("weights", "export", source, "-o", output, "--default-tasks", "pose, reid");
        Assert.True(pose.ExitCode == 0, pose.Error);
        Assert.Equal(["pose", "reid"], InferenceHints.Read(WeightsFile.ReadMetadata(output)).DefaultTasks);

        var none = await CliRunner.RunAsync("weights", "export", output, "-o", output + ".none", "--default-tasks", "none");
        Assert.True(none.ExitCode == 0, none.Error);
        Assert.Equal([], InferenceHints.Read(WeightsFile.ReadMetadata(output + ".none")).DefaultTasks);

        var trained = await CliRunner.RunAsync("weights", "export", output, "-o", output + ".trained", "--default-tasks", "trained");
        Assert.True(trained.ExitCode == 0, trained.Error);
        Assert.Null(InferenceHints.Read(WeightsFile.ReadMetadata(output + ".trained")).DefaultTasks);

        var unknown = await CliRunner.RunAsync("weights", "export", source, "-o", output, "--default-tasks", "posture");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("posture is not a person task of these weights", unknown.Error, StringComparison.Ordinal);

        var terms = await CliRunner.RunAsync("weights", "export", source, "-o", output + ".terms", "--provenance", "data.terms=research use only", "--provenance", "teachers = CenterNet");
        Assert.True(terms.ExitCode == 0, terms.Error);
        var provenance = WeightsFile.ReadMetadata(output + ".terms").Provenance;
        Assert.Equal(("research use only", "CenterNet"), (provenance["data.terms"], provenance["teachers"]));
        var hint = await CliRunner.RunAsync("weights", "export", source, "-o", output + ".x", "--provenance", "inference.detection_short_side=99");
        Assert.Equal(2, hint.ExitCode);
        Assert.Contains("outside inference.*", hint.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_arguments_and_files_are_reported()
    {
        var noEquals = await CliRunner.RunAsync("weights", "import", "-t", "pose", "-o", Path.Combine(_dir, "x.safetensors"));
        Assert.Equal(2, noEquals.ExitCode);
        Assert.Contains("is not NAME=PATH", noEquals.Error, StringComparison.Ordinal);

        var missing = await CliRunner.RunAsync("weights", "import", "-t", $"pose={_dir}/absent.pth.tar", "-o", Path.Combine(_dir, "x.safetensors"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("absent.pth.tar' does not exist", missing.Error, StringComparison.Ordinal);

        var unknownConfig = await CliRunner.RunAsync("weights", "import", "-t", "pose=a", "-o", "x", "--config", "huge");
        Assert.Contains("Unknown model configuration 'huge'", unknownConfig.Error, StringComparison.Ordinal);

        string notWeights = Path.Combine(_dir, "notes.safetensors");
        await File.WriteAllTextAsync(notWeights, "hello");
        var info = await CliRunner.RunAsync("weights", "info", notWeights);
        Assert.Equal(2, info.ExitCode);
        Assert.Contains("not usable", info.Error, StringComparison.Ordinal);
    }
}
