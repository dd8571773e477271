using System.Globalization;
using UniHCP.Pipeline.Inference;
using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Training;
using UniHCP.Pipeline.Training.Detection;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Benchmarks;

/// <summary>
/// Training speed: detection steps through the real <see cref="Trainer"/> (forward, Hungarian matching,
/// losses on every decoder layer, backward, clipping, AdamW) on sample-video-sized frames, for the
/// default CPU configuration (whole model and with the cached trunk) and ViT-B, in float32 and bf16.
/// Each step's time is read from the trainer's own log; the first step (warm-up) is left out.
/// </summary>
internal static class TrainingBenchmark
{
    private const int Height = 576, Width = 768;

    public static async Task<BenchmarkReport> RunAsync(BenchmarkSettings settings)
    {
        await Task.Yield();
        TorchRuntime.EnsureLoaded();
        var report = new BenchmarkReport(
            "Training: detection steps per second on this CPU",
            $"Random weights and frames of {Width}x{Height} (the sample video's size) with 6 random persons each, libtorch {__version__} on " +
            $"{get_num_threads()} threads. A step is the trainer's whole step. \"cached trunk\" trains with the ImageNet trunk frozen and its " +
            "output precomputed (`train default --cache-trunk`): the feature pyramid and the decoder only. Ratios are time per image against " +
            "the default configuration's float32 whole-model step.");
        var cases = new (string Name, ModelConfig Config, int Anchors, int Batch, bool BFloat16, bool Cached)[]
        {
            ("r18-s16 f32", ModelConfig.ResNet18Fast, 100, 4, false, false),
            ("r18-s16 bf16", ModelConfig.ResNet18Fast, 100, 4, true, false),
            ("r18-s16 f32 cached trunk", ModelConfig.ResNet18Fast, 100, 4, false, true),
            ("r18-s16 bf16 cached trunk", ModelConfig.ResNet18Fast, 100, 4, true, true),
            ("vit-b f32", ModelConfig.VitBase, 300, 1, false, false),
            ("vit-b bf16", ModelConfig.VitBase, 300, 1, true, false),
        };
        string baseline = cases[0].Name;
        foreach (var c in cases)
        {
            if (settings.Filter is { } filter && !c.Name.Contains(filter, StringComparison.Ordinal) && c.Name != baseline)
                continue;
            var seconds = Measure(c.Config, c.Anchors, c.Batch, c.BFloat16, c.Cached, settings.Runs);
            double median = seconds.Order().ElementAt(seconds.Count / 2);
            string note = string.Create(CultureInfo.InvariantCulture, $"{c.Batch} frame(s) per step, {c.Anchors * 3} queries; {1 / median:0.00} steps/s, {c.Batch / median:0.00} images/s");
            report.Add(new BenchmarkCase($"{c.Name}, {c.Batch} frame(s)", seconds, c.Batch, "images/s", c.Name == baseline ? null : $"{baseline}, {cases[0].Batch} frame(s)", note));
            Console.Error.WriteLine($"{c.Name} done");
        }
        return report;
    }

    private static List<double> Measure(ModelConfig config, int anchors, int batch, bool bfloat16, bool cached, int runs)
    {
        string dir = Directory.CreateTempSubdirectory("unihcp-train-bench-").FullName;
        try
        {
            var tasks = new TaskRegistry([TaskRegistry.Detection(contentQueries: 3, anchors)]);
            manual_seed(1);
            using var model = new UniHcpModel(config, tasks);
            var task = new SyntheticDetectionTask(model, batch, cached);
            var options = new TrainerOptions
            {
                OutputDirectory = dir,
                Steps = runs + 1,
                CheckpointEvery = 1000,
                EvaluateEvery = 1000,
                BFloat16 = bfloat16,
                FrozenEncoderParts = cached ? model.TrunkParts : ["conv1", "layer1"],
            };
            new Trainer(model, WeightsMetadata.For("bench", config, tasks), [task], options, TextWriter.Null).Run();
            return StepSeconds(dir, batch);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Seconds per step of a finished run, from the per-step images/s in its train_log.csv; step 1 (the
    /// warm-up) is left out.</summary>
    internal static List<double> StepSeconds(string runFolder, int batch)
    {
        var lines = File.ReadAllLines(Path.Combine(runFolder, "train_log.csv"));
        int column = Array.IndexOf(lines[0].Split(','), "images_per_s");
        return lines.Skip(2).Select(l => batch / double.Parse(l.Split(',')[column], CultureInfo.InvariantCulture)).ToList();
    }

    /// <summary>Fixed random frames and persons; with <c>cached</c>, the frames' trunk output is computed once up front.</summary>
    private sealed class SyntheticDetectionTask : ITrainingTask
    {
        private readonly Tensor _input;
        private readonly bool _cached;
        private readonly List<DetectionTarget> _targets;
        private readonly DetectionCriterion _criterion = new(new DetectionLossWeights());

        public SyntheticDetectionTask(UniHcpModel model, int batch, bool cached)
        {
            _cached = cached;
            var frames = model.NormalizeImages(rand([batch, 3, Height, Width]) * 255);
            using (no_grad())
                _input = cached ? model.EncodeTrunk(frames) : frames;
            _targets = Enumerable.Range(0, batch).Select(_ =>
            {
                var centres = rand([6, 2]) * 0.8 + 0.1;
                var sizes = rand([6, 2]) * 0.15 + 0.05;
                return new DetectionTarget(cat([centres, sizes], 1), zeros(0, 4));
            }).ToList();
            BatchSize = batch;
        }

        public string Task => "detection";

        public int BatchSize { get; }

        public (Tensor Loss, IReadOnlyDictionary<string, double> Parts) Step(UniHcpModel model, Random random, Device device)
        {
            var tokens = _cached ? model.EncodeFromTrunk(_input) : model.EncodeNormalized(_input);
            var layers = model.RunAllLayers(Task, tokens);
            try
            {
                var (loss, parts) = _criterion.Compute(layers, _targets);
                return (loss, DetectionTrainingTask.LogParts(parts));
            }
            finally
            {
                foreach (var layer in layers)
                    layer.Dispose();
            }
        }

        public IReadOnlyDictionary<string, double> Evaluate(UniHcpModel model, Device device) => new Dictionary<string, double>();
    }
}
