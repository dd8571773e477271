using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using UniHCP.Pipeline.Inference;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Inference.Processing;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Benchmarks;

/// <summary>
/// Model latency on this CPU: person crops of 256x192 (batch 1 and 8, float32 and bfloat16) for
/// each configuration, the bare encoder against the whole pose model (encoder, neck, decoder,
/// interpreter) in the same run, and detection frames at three input sizes.
/// </summary>
internal static class ModelBenchmark
{
    public static async Task<BenchmarkReport> RunAsync(BenchmarkSettings settings)
    {
        await Task.Yield();
        TorchRuntime.EnsureLoaded();
        var report = new BenchmarkReport(
            "Model: per-crop and per-frame latency",
            $"Random weights (speed does not depend on them), libtorch {__version__} on {get_num_threads()} threads, inference mode. " +
            "\"encoder\" is the bare ViT on the crops; \"pose model\" adds the neck, the 9-layer decoder with 17 queries and the local-map " +
            "and global units - the whole model for a crop task; its ratio to the encoder is the target (within 1.15x). GFLOP/s are from " +
            "layer-shape FLOP counts (2 per multiply-add). Detection frames are the sample video's 768x576 resized by the release rule " +
            "to the short side given, with 900 queries.");
        var rounds = new List<(string Name, string? Baseline, double Items, string Unit, string Note, Action Run)>();
        var models = new List<UniHcpModel>();
        try
        {
            foreach (var config in new[] { ModelConfig.VitBase, ModelConfig.VitSmall, ModelConfig.Tiny })
            {
                foreach (var precision in new[] { Precision.Float32, Precision.BFloat16 })
                {
                    manual_seed(1);
                    var model = new UniHcpModel(config, TaskRegistry.Standard);
                    model.eval();
                    if (precision == Precision.BFloat16)
                        model.to(ScalarType.BFloat16);
                    models.Add(model);
                    string p = precision == Precision.Float32 ? "f32" : "bf16";
                    foreach (int batch in new[] { 1, 8 })
                    {
                        var crops = rand([batch, 3, 256, 192]) * 255;
                        string encoderName = $"{config.Name} {p} encoder, {batch} crop(s)";
                        double encoderFlops = FlopEstimate.Encoder(config.Encoder, 256, 192) * batch;
                        double poseFlops = encoderFlops + ((FlopEstimate.Neck(config, 256, 192) + FlopEstimate.Decoder(config, 17, 256, 192, localMap: true)) * batch);
                        rounds.Add((encoderName, null, batch, "crops/s", Gflops(encoderFlops), () => Encoder(model, crops)));
                        rounds.Add(($"{config.Name} {p} pose model, {batch} crop(s)", encoderName, batch, "crops/s", Gflops(poseFlops), () => Pose(model, crops)));
                        if (config == ModelConfig.VitBase)
                        {
                            // Where the time beyond the encoder goes: the neck and the decoder with its units, on precomputed tokens.
                            Tensor tokens;
                            using (inference_mode())
                                tokens = model.Encode(crops);
                            rounds.Add(($"{config.Name} {p} neck only, {batch} crop(s)", encoderName, batch, "crops/s", Gflops(FlopEstimate.Neck(config, 256, 192) * batch), () => Neck(model, tokens)));
                            rounds.Add(($"{config.Name} {p} decoder + units only, {batch} crop(s)", encoderName, batch, "crops/s", Gflops(FlopEstimate.Decoder(config, 17, 256, 192, localMap: true) * batch), () => PoseDecoder(model, tokens)));
                        }
                    }
                    if (config != ModelConfig.Tiny)
                    {
                        foreach (int shortSide in new[] { 320, 480, 800 })
                        {
                            var (w, h) = new DetectionResize(shortSide, 1333).SizeFor(768, 576);
                            var frame = rand([1, 3, h, w]) * 255;
                            double flops = FlopEstimate.Encoder(config.Encoder, h, w) + FlopEstimate.Decoder(config, 900, h, w, localMap: false);
                            rounds.Add(($"{config.Name} {p} detection frame {w}x{h}", null, 1, "frames/s", Gflops(flops), () => Detect(model, frame)));
                        }
                    }
                }
            }

            if (settings.Filter is { } filter)
                rounds.RemoveAll(r => !r.Name.Contains(filter, StringComparison.Ordinal) && !rounds.Any(o => o.Baseline == r.Name && o.Name.Contains(filter, StringComparison.Ordinal)));
            foreach (var round in rounds)
                round.Run(); // warm-up
            var samples = rounds.ToDictionary(r => r.Name, _ => new List<double>());
            for (int i = 0; i < settings.Runs; i++)
            {
                foreach (var round in rounds)
                {
                    long start = Stopwatch.GetTimestamp();
                    round.Run();
                    samples[round.Name].Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
                }
                Console.Error.WriteLine($"round {i + 1}/{settings.Runs} done");
            }
            foreach (var round in rounds)
            {
                double median = samples[round.Name].Order().ElementAt(samples[round.Name].Count / 2);
                string note = string.Create(CultureInfo.InvariantCulture, $"{round.Note}, {double.Parse(round.Note.Split(' ')[0], CultureInfo.InvariantCulture) / median:0.0} GFLOP/s; {median / round.Items * 1000:0.0} ms per item");
                report.Add(new BenchmarkCase(round.Name, samples[round.Name], round.Items, round.Unit, round.Baseline, note));
            }
        }
        finally
        {
            foreach (var model in models)
                model.Dispose();
        }
        return report;
    }

    private static string Gflops(double flops) => string.Create(CultureInfo.InvariantCulture, $"{flops / 1e9:0.00} GFLOP");

    private static void Encoder(UniHcpModel model, Tensor crops)
    {
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        model.Encode(crops);
    }

    private static void Pose(UniHcpModel model, Tensor crops)
    {
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        var tokens = model.Encode(crops);
        using var output = model.Run("pose", tokens, model.MaskFeatures(tokens));
        _ = output.LocalMapLogits!.sum().to(ScalarType.Float32).item<float>();
    }

    private static void Neck(UniHcpModel model, Tensor tokens)
    {
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        _ = model.MaskFeatures(tokens).sum().to(ScalarType.Float32).item<float>();
    }

    private static void PoseDecoder(UniHcpModel model, Tensor tokens)
    {
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        var maskFeatures = zeros(tokens.shape[0], model.Config.Decoder.Hidden, tokens.shape[2] * 4, tokens.shape[3] * 4, dtype: tokens.dtype);
        using var output = model.Run("pose", tokens, maskFeatures);
        _ = output.LocalMapLogits!.sum().to(ScalarType.Float32).item<float>();
    }

    private static void Detect(UniHcpModel model, Tensor frame)
    {
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        using var output = model.Run("detection", model.Encode(frame));
        _ = output.Boxes!.sum().to(ScalarType.Float32).item<float>();
    }
}
