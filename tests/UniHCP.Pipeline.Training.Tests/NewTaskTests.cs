using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Inference.Processing;
using UniHCP.Pipeline.Ingest;
using UniHCP.Pipeline.Training.Attributes;
using UniHCP.Pipeline.Training.Data;

namespace UniHCP.Pipeline.Training.Tests;

/// <summary>A new task from a template (a site's own attributes next to PA-100K's), prompt-tuned without touching the shared weights.</summary>
public sealed class NewTaskTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("unihcp-newtask-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_new_task_copies_every_tensor_and_starts_from_the_templates_queries()
    {
        TorchSharp.torch.manual_seed(9);
        using var source = new UniHcpModel(ModelConfig.Tiny, TaskRegistry.Standard);
        var metadata = WeightsMetadata.For("site-test", ModelConfig.Tiny, TaskRegistry.Standard);

        var (model, added) = NewTask.Add(source, metadata, "site", ["uniform", "hi_vis", "helmet"], "attributes");
        using (model)
        {
            var before = source.state_dict();
            var after = model.state_dict();
            Assert.All(before, p => Assert.True(p.Value.equal(after[p.Key]).all().item<bool>(), p.Key));
            Assert.True(after["tasks.site.query_feat.weight"].equal(before["tasks.attributes.query_feat.weight"][..3]).all().item<bool>());
            Assert.Equal(["uniform", "hi_vis", "helmet"], model.Tasks["site"].Labels);
            var record = added.Tasks.Single(t => t.Name == "site");
            Assert.False(record.Trained);
            Assert.Equal(TaskType.Attributes, record.Type);
        }
        Assert.Throws<ArgumentException>(() => NewTask.Add(source, metadata, "attributes", ["x"], "attributes"));
        Assert.Throws<ArgumentException>(() => NewTask.Add(source, metadata, "site", ["x"], "detection"));
    }

    [SharedDataFact]
    public async Task Prompt_tuning_a_new_attribute_task_on_real_crops_changes_only_its_queries()
    {
        var frames = await VideoTeacherReader.ReadDetectionAsync(Path.Combine(SharedData.Root, "vtest-teacher", "vtest_teacher_0-599.json"), SampleVideo.Locate(), f => f < 12);
        // Labels the crops carry in themselves: whether the person stands in the left half of the frame, and is tall.
        var samples = frames.SelectMany(f => f.Boxes.Select(b => new AttributeSample(f.Image.Cut(b), [b.X1 + (b.Width / 2) < 384 ? 1 : 0, b.Height > 100 ? 1 : -1]))).ToList();
        TorchSharp.torch.manual_seed(4);
        using var source = new UniHcpModel(ModelConfig.Tiny, TaskRegistry.Standard);
        var (model, metadata) = NewTask.Add(source, WeightsMetadata.For("site-test", ModelConfig.Tiny, TaskRegistry.Standard), "site", ["left", "tall"], "attributes");
        using (model)
        {
            var before = model.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone());
            var task = new AttributeTrainingTask("site", "vtest", samples, samples.Take(8).ToList(), batchSize: 4);
            var options = new TrainerOptions { OutputDirectory = _dir, Steps = 3, WarmupSteps = 1, EvaluateEvery = 3, CheckpointEvery = 3, LearningRate = 1e-2, TrainableParameters = ["tasks.site."] };

            var summary = new Trainer(model, metadata, [task], options, new StringWriter()).Run();

            var changed = before.Keys.Where(k => !before[k].equal(model.state_dict()[k]).all().item<bool>()).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(["tasks.site.query_embed.weight", "tasks.site.query_feat.weight"], changed);
            Assert.Contains("vtest.ma", summary.Metrics.Keys);
            Assert.Equal(["left", "tall"], WeightsFile.ReadMetadata(summary.ExportedWeights!).Tasks.Single(t => t.Name == "site").Labels);
        }
    }

    [SharedDataFact]
    public async Task Prompt_tuning_on_cached_encoder_outputs_follows_the_uncached_run()
    {
        var frames = await VideoTeacherReader.ReadDetectionAsync(Path.Combine(SharedData.Root, "vtest-teacher", "vtest_teacher_0-599.json"), SampleVideo.Locate(), f => f < 6);
        var samples = frames.SelectMany(f => f.Boxes.Select(b => new AttributeSample(f.Image.Cut(b), [b.X1 + (b.Width / 2) < 384 ? 1 : 0, b.Height > 100 ? 1 : 0]))).ToList();
        var curves = new List<double[]>();
        var queries = new List<TorchSharp.torch.Tensor>();
        foreach (bool cached in new[] { false, true })
        {
            TorchSharp.torch.manual_seed(4);
            using var source = new UniHcpModel(ModelConfig.Tiny, TaskRegistry.Standard);
            var (model, metadata) = NewTask.Add(source, WeightsMetadata.For("cache-test", ModelConfig.Tiny, TaskRegistry.Standard), "site", ["left", "tall"], "attributes");
            using (model)
            {
                string dir = Path.Combine(_dir, cached ? "cached" : "plain");
                var task = new AttributeTrainingTask("site", "vtest", samples, samples.Take(4).ToList(), batchSize: 4) { CacheEncoder = cached };
                var options = new TrainerOptions { OutputDirectory = dir, Steps = 6, WarmupSteps = 1, EvaluateEvery = 6, CheckpointEvery = 6, LearningRate = 1e-2, TrainableParameters = ["tasks.site."] };
                new Trainer(model, metadata, [task], options, new StringWriter()).Run();
                var rows = File.ReadAllLines(Path.Combine(dir, "train_log.csv"));
                int column = Array.IndexOf(rows[0].Split(','), "vtest.attributes");
                curves.Add([.. rows.Skip(1).Select(r => double.Parse(r.Split(',')[column], System.Globalization.CultureInfo.InvariantCulture))]);
                queries.Add(model.state_dict()["tasks.site.query_feat.weight"].detach().clone());
                Assert.Equal(cached, task.CachedBytes > 0);
            }
        }

        Assert.Equal(6, curves[1].Length);
        for (int step = 0; step < 6; step++)
            Assert.Equal(curves[0][step], curves[1][step], 3);
        Assert.True(queries[0].allclose(queries[1], rtol: 1e-3, atol: 1e-4), "the trained queries differ between the cached and the uncached run");
    }
}
