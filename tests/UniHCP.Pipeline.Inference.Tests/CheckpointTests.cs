using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Model;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Inference.Tests;

public sealed class CheckpointTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("unihcp-weights-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Our_format_round_trips_bit_exactly_with_its_metadata()
    {
        using var model = TestModels.Tiny();
        string path = Path.Combine(_dir, "tiny.safetensors");
        var metadata = TestModels.Metadata(model) with { Provenance = new Dictionary<string, string> { ["trained"] = "nowhere" } };

        WeightsFile.Save(path, model, metadata);
        var (loaded, readBack) = WeightsFile.Load(path);
        using (loaded)
        {
            var original = model.state_dict();
            foreach (var (key, value) in loaded.state_dict())
                Assert.True(value.equal(original[key]).all().item<bool>(), $"{key} changed");
            Assert.Equal(original.Count, loaded.state_dict().Count);
            AssertSameOutputs(model, loaded);
        }
        Assert.Equal("test-1", readBack.Version);
        Assert.Equal(ModelConfig.Tiny, readBack.Config);
        Assert.Equal(TaskRegistry.Standard.Tasks.Select(t => t.Name), readBack.Tasks.Select(t => t.Name));
        Assert.Equal(LabelSets.Pa100kAttributes, readBack.ToRegistry()["attributes"].Labels);
        Assert.Equal(LabelSets.CocoJointFlipPairs, readBack.ToRegistry()["pose"].FlipPairs);
        Assert.Equal("nowhere", readBack.Provenance["trained"]);
        Assert.Equal("test-1", WeightsFile.ReadMetadata(path).Version);
    }

    [Fact]
    public void Official_per_task_checkpoints_import_into_one_model_with_identical_outputs()
    {
        using var source = TestModels.Tiny(seed: 11);
        var files = new List<OfficialTaskFile>();
        foreach (var task in source.Tasks.Tasks)
        {
            string path = Path.Combine(_dir, $"ckpt_task_{task.Name}_iter_newest.pth.tar");
            OfficialLayout.Write(path, OfficialLayout.StateDict(source, task.Name));
            files.Add(new OfficialTaskFile(task.Name, path));
        }

        var (imported, metadata, report) = OfficialImporter.Import(files, "official-test", ModelConfig.Tiny);
        using (imported)
        {
            AssertSameOutputs(source, imported);
            Assert.Equal(source.Tasks.Tasks.Select(t => t.Name), imported.Tasks.Tasks.Select(t => t.Name));
        }
        Assert.Contains(report.Notes, n => n.Contains("loss-only", StringComparison.Ordinal));
        Assert.DoesNotContain(report.Notes, n => n.StartsWith("Shared weights differ", StringComparison.Ordinal));
        Assert.Contains("sha256=", metadata.Provenance["task.pose"], StringComparison.Ordinal);
        Assert.Contains("step=104000", metadata.Provenance["task.pose"], StringComparison.Ordinal);

        string merged = Path.Combine(_dir, "merged.safetensors");
        var (again, _, _) = OfficialImporter.Import(files, "official-test", ModelConfig.Tiny);
        using (again)
            WeightsFile.Save(merged, again, metadata);
        var (reloaded, _) = WeightsFile.Load(merged);
        using (reloaded)
            AssertSameOutputs(source, reloaded);
    }

    [Fact]
    public void The_configuration_is_read_from_the_shapes_when_not_given()
    {
        var config = new ModelConfig("probe", new EncoderConfig(384, 2, 6, PositionGrid: 8), new DecoderConfig(256, 2, 8, 512));
        using var source = TestModels.Seeded(5, config, new TaskRegistry([TaskRegistry.Standard["pose"]]));
        string path = Path.Combine(_dir, "pose.pth.tar");
        OfficialLayout.Write(path, OfficialLayout.StateDict(source, "pose"));

        var (imported, metadata, report) = OfficialImporter.Import([new OfficialTaskFile("pose", path)], "v");
        using (imported)
        {
            Assert.Equal(config.Encoder, metadata.Config.Encoder);
            Assert.Equal(config.Decoder, metadata.Config.Decoder);
            Assert.Contains(report.Notes, n => n.StartsWith("Configuration read from the shapes", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Missing_unexpected_and_misshaped_keys_are_named()
    {
        using var source = TestModels.Tiny();
        var stateDict = OfficialLayout.StateDict(source, "pose");
        stateDict.Remove("module.backbone_module.blocks.1.attn.qkv.weight");
        stateDict["module.backbone_module.blocks.9.attn.qkv.weight"] = zeros(3);
        stateDict["module.decoder_module.predictor.decoder_norm.weight"] = zeros(63);
        string path = Path.Combine(_dir, "broken.pth.tar");
        OfficialLayout.Write(path, stateDict);

        var error = Assert.Throws<WeightsMismatchException>(() => OfficialImporter.Import([new OfficialTaskFile("pose", path)], "v", ModelConfig.Tiny));

        Assert.Equal(["backbone_module.blocks.1.attn.qkv.weight"], error.Missing);
        Assert.Equal(["backbone_module.blocks.9.attn.qkv.weight"], error.Unexpected);
        Assert.Equal(["decoder_module.predictor.decoder_norm.weight: given [63], model [64]"], error.Misshaped);
        Assert.Contains("1 missing (backbone_module.blocks.1.attn.qkv.weight)", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Files_that_are_not_checkpoints_are_refused_with_the_reason()
    {
        string text = Path.Combine(_dir, "notes.pth.tar");
        File.WriteAllText(text, "not a checkpoint");
        var notZip = Assert.Throws<InvalidDataException>(() => OfficialImporter.Import([new OfficialTaskFile("pose", text)], "v", ModelConfig.Tiny));
        Assert.Contains("not a zip archive", notZip.Message, StringComparison.Ordinal);

        Assert.Throws<FileNotFoundException>(() => OfficialImporter.Import([new OfficialTaskFile("pose", Path.Combine(_dir, "absent.pth.tar"))], "v"));
        var custom = Assert.Throws<ArgumentException>(() => OfficialImporter.Import([new OfficialTaskFile("dance", text)], "v"));
        Assert.Contains("not a standard task", custom.Message, StringComparison.Ordinal);

        using var model = TestModels.Tiny();
        string weights = Path.Combine(_dir, "tiny.safetensors");
        WeightsFile.Save(weights, model, TestModels.Metadata(model));
        string truncated = Path.Combine(_dir, "truncated.safetensors");
        File.WriteAllBytes(truncated, File.ReadAllBytes(weights)[..5000]);
        var cut = Assert.Throws<InvalidDataException>(() => WeightsFile.Load(truncated));
        Assert.Contains("truncated.safetensors", cut.Message, StringComparison.Ordinal);

        string foreign = Path.Combine(_dir, "foreign.safetensors");
        SafeTensorsFile.Write(foreign, new Dictionary<string, Tensor> { ["w"] = ones(2) });
        var notOurs = Assert.Throws<InvalidDataException>(() => WeightsFile.Load(foreign));
        Assert.Contains("not one of ours", notOurs.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Task_file_arguments_are_parsed_and_checked()
    {
        Assert.Equal(new OfficialTaskFile("pose", "a.pth.tar"), OfficialTaskFile.Parse("pose=a.pth.tar"));
        Assert.Equal(new OfficialTaskFile("aic", "/x/b.pth.tar", TaskType.Pose), OfficialTaskFile.Parse("aic:pose=/x/b.pth.tar"));
        Assert.Throws<ArgumentException>(() => OfficialTaskFile.Parse("pose"));
        Assert.Throws<ArgumentException>(() => OfficialTaskFile.Parse("aic:juggling=b"));
    }

    private static void AssertSameOutputs(UniHcpModel expected, UniHcpModel actual)
    {
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        var images = TestModels.Images(2, 64, 48);
        foreach (var task in expected.Tasks.Tasks)
        {
            using var a = expected.Forward(task.Name, images);
            using var b = actual.Forward(task.Name, images);
            foreach (var (x, y) in new[] { (a.Features, b.Features), (a.GlobalLogits, b.GlobalLogits), (a.LocalMapLogits, b.LocalMapLogits), (a.Boxes, b.Boxes) })
            {
                Assert.Equal(x is null, y is null);
                if (x is not null)
                    Assert.True(x.equal(y!).all().item<bool>(), $"task {task.Name}: outputs differ");
            }
        }
    }
}
