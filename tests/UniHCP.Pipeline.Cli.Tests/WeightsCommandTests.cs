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
            "-o", output, "--model", "tiny", "--version", "official-test");

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

        var unknownConfig = await CliRunner.RunAsync("weights", "import", "-t", "pose=a", "-o", "x", "--model", "huge");
        Assert.Contains("Unknown model configuration 'huge'", unknownConfig.Error, StringComparison.Ordinal);

        string notWeights = Path.Combine(_dir, "notes.safetensors");
        await File.WriteAllTextAsync(notWeights, "hello");
        var info = await CliRunner.RunAsync("weights", "info", notWeights);
        Assert.Equal(2, info.ExitCode);
        Assert.Contains("not usable", info.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Average_weighs_every_floating_tensor_by_its_share_and_records_the_ingredients()
    {
        TorchRuntime.EnsureLoaded();
        string first = Path.Combine(_dir, "first.safetensors"), second = Path.Combine(_dir, "second.safetensors");
        Dictionary<string, Tensor> expected;
        using (var model = new UniHcpModel(ModelConfig.Tiny, TaskRegistry.Standard))
        {
            var hints = new Dictionary<string, string> { [InferenceHints.ShortSideKey] = "288", ["data"] = "scenes", ["training.metrics"] = "{\"a.ap50\":0.5}" };
            WeightsFile.Save(first, model, WeightsMetadata.For("tiny-a", ModelConfig.Tiny, TaskRegistry.Standard, hints));
            // The second ingredient is the first plus one everywhere, so the 1:3 mean is the first plus 0.75 whatever
            // the random initialisation was.
            expected = model.state_dict().ToDictionary(p => p.Key, p => p.Value.is_floating_point() ? p.Value.detach().add(0.75) : p.Value.detach().clone());
            using (no_grad())
            {
                foreach (var tensor in model.state_dict().Values.Where(t => t.is_floating_point()))
                    tensor.add_(1.0);
            }
            WeightsFile.Save(second, model, WeightsMetadata.For("tiny-b", ModelConfig.Tiny, TaskRegistry.Standard));
        }
        string output = Path.Combine(_dir, "soup.safetensors");

        var average = await CliRunner.RunAsync("weights", "average", first, second, "--shares", "1,3", "-o", output);

        Assert.True(average.ExitCode == 0, average.Error);
        Assert.Contains("averaged 0.25 x tiny-a (first.safetensors) + 0.75 x tiny-b (second.safetensors)", average.Output, StringComparison.Ordinal);
        var (soup, metadata) = WeightsFile.Load(output);
        using (soup)
        {
            foreach (var (name, tensor) in soup.state_dict())
                Assert.True(tensor.allclose(expected[name], rtol: 0, atol: 1e-5), $"{name} is not the 1:3 mean");
        }
        Assert.Equal("tiny-a-avg", metadata.Version);
        Assert.Equal("288", metadata.Provenance[InferenceHints.ShortSideKey]);
        Assert.Equal("scenes", metadata.Provenance["data"]);
        Assert.False(metadata.Provenance.ContainsKey("training.metrics"), "the first file's held-out metrics are not the mean's");
        Assert.StartsWith("0.25 x tiny-a", metadata.Provenance[WeightsAverage.ProvenanceKey], StringComparison.Ordinal);
        foreach (var tensor in expected.Values)
            tensor.Dispose();
    }

    [Fact]
    public async Task Average_refuses_files_that_do_not_share_a_layout_and_bad_shares()
    {
        TorchRuntime.EnsureLoaded();
        string standard = Path.Combine(_dir, "standard.safetensors"), detectionOnly = Path.Combine(_dir, "detection.safetensors");
        using (var model = new UniHcpModel(ModelConfig.Tiny, TaskRegistry.Standard))
            WeightsFile.Save(standard, model, WeightsMetadata.For("tiny-standard", ModelConfig.Tiny, TaskRegistry.Standard));
        var detection = new TaskRegistry(TaskRegistry.Standard.Tasks.Where(t => t.Type == TaskType.Detection));
        using (var model = new UniHcpModel(ModelConfig.Tiny, detection))
            WeightsFile.Save(detectionOnly, model, WeightsMetadata.For("tiny-detection", ModelConfig.Tiny, detection));
        string output = Path.Combine(_dir, "never.safetensors");

        var layout = await CliRunner.RunAsync("weights", "average", standard, detectionOnly, "-o", output);
        Assert.Equal(2, layout.ExitCode);
        Assert.Contains("detection.safetensors", layout.Error, StringComparison.Ordinal);

        var one = await CliRunner.RunAsync("weights", "average", standard, "-o", output);
        Assert.NotEqual(0, one.ExitCode);

        var count = await CliRunner.RunAsync("weights", "average", standard, standard, "--shares", "1", "-o", output);
        Assert.Equal(2, count.ExitCode);
        Assert.Contains("1 shares given for 2 weights files", count.Error, StringComparison.Ordinal);

        var negative = await CliRunner.RunAsync("weights", "average", standard, standard, "--shares", "1,-1", "-o", output);
        Assert.Equal(2, negative.ExitCode);
        Assert.Contains("above 0", negative.Error, StringComparison.Ordinal);

        var word = await CliRunner.RunAsync("weights", "average", standard, standard, "--shares", "1,half", "-o", output);
        Assert.Equal(2, word.ExitCode);
        Assert.Contains("'half' is not a number", word.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }
}
