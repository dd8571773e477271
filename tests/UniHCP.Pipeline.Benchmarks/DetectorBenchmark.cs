using System.Diagnostics;
using UniHCP.Pipeline.Inference;
using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Inference.Processing;
using TorchSharp;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Benchmarks;

/// <summary>
/// The default model detecting on the sample video's own frames, what the main job spends its time on: the plain
/// model against the one prepared for inference (batch norms folded, convolutions channels-last), at the
/// recorded input size and the sizes around it, and the whole engine call (frame conversion and decoding
/// included) in the same run.
/// </summary>
internal static class DetectorBenchmark
{
    private const int Batch = 4;

    public static async Task<BenchmarkReport> RunAsync(BenchmarkSettings settings)
    {
        TorchRuntime.EnsureLoaded();
        string weights = RepositoryModels.DefaultWeights;
        var frames = await SampleFrames.ReadAsync(500, 32);
        var metadata = WeightsFile.ReadMetadata(weights);
        var precision = CpuFeatures.HasFastBFloat16 ? ScalarType.BFloat16 : ScalarType.Float32;
        var report = new BenchmarkReport(
            "Detector: the default model on the sample video's frames",
            FormattableString.Invariant($"{metadata.Version} ({Path.GetFileName(weights)}), {precision}, libtorch {__version__} on {get_num_threads()} threads, ")
            + FormattableString.Invariant($"{frames.Count} frames (500-531) in batches of {Batch}, detection only. \"plain\" is the model as loaded; \"prepared\" after ")
            + "UniHcpModel.PrepareForInference (the engine's model). Sizes are the 768x576 frames resized to the short side; the weights "
            + FormattableString.Invariant($"record {InferenceHints.Read(metadata).DetectionResize.ShortSide}. \"engine\" is PerceptionEngine.Detect: frames to tensors, resize, model, decoded boxes. ")
            + $"C heap: {NativeHeap.State}.");

        var (plain, _) = WeightsFile.Load(weights);
        var (prepared, _) = WeightsFile.Load(weights);
        plain.eval();
        plain.to(precision);
        prepared.PrepareForInference(precision);
        string task = plain.Tasks.FirstOf(TaskType.Detection)!.Name;
        var options = new PerceptionOptions { Precision = precision == ScalarType.BFloat16 ? Precision.BFloat16 : Precision.Float32, Tasks = [] };
        using var engine = new PerceptionEngineBuilder().WithWeights(weights).WithOptions(options).Build();
        var rounds = new List<(string Name, string? Baseline, Action Run)>();
        var inputs = new Dictionary<int, List<Tensor>>();
        foreach (int side in new[] { 576, 512, 448 })
        {
            var (w, h) = InferenceHints.Resize(side).SizeFor(768, 576);
            inputs[side] = frames.Chunk(Batch).Select(chunk => ImageTensors.Resize(cat(chunk.Select(f => ImageTensors.FromFrame(f, CPU)).ToList(), 0), w, h)).ToList();
        }
        rounds.Add(("plain, 768x576", null, () => Detect(plain, task, inputs[576])));
        rounds.Add(("prepared, 768x576", "plain, 768x576", () => Detect(prepared, task, inputs[576])));
        rounds.Add(("prepared, 683x512", "plain, 768x576", () => Detect(prepared, task, inputs[512])));
        rounds.Add(("prepared, 597x448", "plain, 768x576", () => Detect(prepared, task, inputs[448])));
        var trunks512 = new List<Tensor>();
        rounds.Add(("prepared trunk only, 683x512", "prepared, 683x512", () => TrunkOnly(prepared, inputs[512])));
        rounds.Add(("prepared after the trunk, 683x512", "prepared, 683x512", () => AfterTrunk(prepared, task, inputs[512], trunks512)));
        rounds.Add(($"engine at the recorded {engine.DetectionResize.ShortSide}", "plain, 768x576", () =>
        {
            foreach (var chunk in frames.Chunk(Batch))
                engine.Detect(chunk);
        }));
        if (settings.Filter is { } filter)
            rounds.RemoveAll(r => !r.Name.Contains(filter, StringComparison.Ordinal) && !rounds.Any(o => o.Baseline == r.Name));

        foreach (var round in rounds)
            round.Run(); // warm-up
        var samples = rounds.ToDictionary(r => r.Name, _ => new List<double>());
        for (int i = 0; i < settings.Runs; i++)
        {
            // Interleaved, so that the machine's other load falls on every case alike.
            foreach (var round in rounds)
            {
                long start = Stopwatch.GetTimestamp();
                round.Run();
                samples[round.Name].Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
            }
            Console.Error.WriteLine($"round {i + 1}/{settings.Runs} done");
        }
        foreach (var round in rounds)
            report.Add(SampleFrames.PerFrame(round.Name, samples[round.Name], frames.Count, round.Baseline));
        plain.Dispose();
        prepared.Dispose();
        return report;
    }

    private static void Detect(UniHcpModel model, string task, List<Tensor> batches)
    {
        using var inference = inference_mode();
        foreach (var batch in batches)
        {
            using var scope = NewDisposeScope();
            using var output = model.Run(task, model.Encode(batch));
            _ = output.Boxes!.sum().to(ScalarType.Float32).item<float>();
        }
    }

    private static void TrunkOnly(UniHcpModel model, List<Tensor> batches)
    {
        using var inference = inference_mode();
        foreach (var batch in batches)
        {
            using var scope = NewDisposeScope();
            _ = model.EncodeTrunk(model.NormalizeImages(batch)).sum().to(ScalarType.Float32).item<float>();
        }
    }

    private static void AfterTrunk(UniHcpModel model, string task, List<Tensor> batches, List<Tensor> trunks)
    {
        using var inference = inference_mode();
        if (trunks.Count == 0)
            foreach (var batch in batches)
                trunks.Add(model.EncodeTrunk(model.NormalizeImages(batch)).DetachFromDisposeScope());
        foreach (var trunk in trunks)
        {
            using var scope = NewDisposeScope();
            using var output = model.Run(task, model.EncodeFromTrunk(trunk));
            _ = output.Boxes!.sum().to(ScalarType.Float32).item<float>();
        }
    }
}
