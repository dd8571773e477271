using System.Globalization;
using UniHCP.Pipeline.Inference;
using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Inference.Processing;
using UniHCP.Pipeline.Training;
using UniHCP.Pipeline.Training.Attributes;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Benchmarks;

/// <summary>
/// Prompt tuning a new attribute task (`train attributes`, only the task's queries learn) through the real
/// <see cref="Trainer"/> and <see cref="AttributeTrainingTask"/>: every step encoding its crops against the encoder's
/// outputs cached once per crop (<see cref="AttributeTrainingTask.CacheEncoder"/>), for the default CPU configuration
/// and ViT-B, float32 and bf16. The cached runs' first step (which fills the cache) is left out with the warm-up.
/// </summary>
internal static class PromptTuningBenchmark
{
    private const int Crops = 32, Batch = 16;

    public static async Task<BenchmarkReport> RunAsync(BenchmarkSettings settings)
    {
        await Task.Yield();
        TorchRuntime.EnsureLoaded();
        var report = new BenchmarkReport(
            "Prompt tuning: a new attribute task's steps per second on this CPU",
            $"Random weights; {Crops} random person crops (256x192 input), {Batch} per step, random mirroring; only the new task's query " +
            $"tensors learn (`train attributes --train queries`). libtorch {__version__} on {get_num_threads()} threads. \"cached encoder\" " +
            "encodes each crop once (plain and mirrored) and runs the decoder only in the steps; ratios are time per step against the " +
            "same configuration's uncached float32 step.");
        var cases = new (string Name, ModelConfig Config, bool BFloat16, bool Cached)[]
        {
            ("r18-s16 f32", ModelConfig.ResNet18Fast, false, false),
            ("r18-s16 f32 cached encoder", ModelConfig.ResNet18Fast, false, true),
            ("r18-s16 bf16", ModelConfig.ResNet18Fast, true, false),
            ("r18-s16 bf16 cached encoder", ModelConfig.ResNet18Fast, true, true),
            ("vit-b f32", ModelConfig.VitBase, false, false),
            ("vit-b f32 cached encoder", ModelConfig.VitBase, false, true),
            ("vit-b bf16", ModelConfig.VitBase, true, false),
            ("vit-b bf16 cached encoder", ModelConfig.VitBase, true, true),
        };
        foreach (var c in cases)
        {
            if (settings.Filter is { } filter && !c.Name.Contains(filter, StringComparison.Ordinal))
                continue;
            var seconds = Measure(c.Config, c.BFloat16, c.Cached, settings.Runs);
            double median = seconds.Order().ElementAt(seconds.Count / 2);
            string baseline = c.Config == ModelConfig.VitBase ? "vit-b f32" : "r18-s16 f32";
            string note = string.Create(CultureInfo.InvariantCulture, $"{1 / median:0.00} steps/s, {Batch / median:0.0} crops/s");
            report.Add(new BenchmarkCase(c.Name, seconds, Batch, "crops/s", c.Name == baseline ? null : baseline, note));
            Console.Error.WriteLine($"{c.Name} done");
        }
        return report;
    }

    private static List<double> Measure(ModelConfig config, bool bfloat16, bool cached, int runs)
    {
        string dir = Directory.CreateTempSubdirectory("unihcp-prompt-bench-").FullName;
        try
        {
            manual_seed(1);
            using var source = new UniHcpModel(config, TaskRegistry.Standard);
            var (model, metadata) = NewTask.Add(source, WeightsMetadata.For("bench", config, TaskRegistry.Standard), "site", ["a", "b", "c"], "attributes");
            using (model)
            {
                var random = new Random(1);
                var crops = Enumerable.Range(0, Crops).Select(i =>
                {
                    var pixels = new byte[96 * 192 * 3];
                    random.NextBytes(pixels);
                    return new AttributeSample(new RgbImage(96, 192, pixels), [i & 1, (i >> 1) & 1, (i >> 2) & 1]);
                }).ToList();
                var task = new AttributeTrainingTask("site", "bench", crops, [], Batch) { CacheEncoder = cached };
                var options = new TrainerOptions
                {
                    OutputDirectory = dir,
                    Steps = runs + 1,
                    CheckpointEvery = 1000,
                    EvaluateEvery = 1000,
                    BFloat16 = bfloat16,
                    TrainableParameters = ["tasks.site."],
                };
                new Trainer(model, metadata, [task], options, TextWriter.Null).Run();
                return TrainingBenchmark.StepSeconds(dir, Batch);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
