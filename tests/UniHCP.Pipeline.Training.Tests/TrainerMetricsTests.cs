using System.Text.Json;
using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Inference.Processing;
using UniHCP.Pipeline.Training.Data;
using UniHCP.Pipeline.Training.Detection;

namespace UniHCP.Pipeline.Training.Tests;

/// <summary>The metrics a run records in its weights file.</summary>
public sealed class TrainerMetricsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("unihcp-metrics-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [SharedDataFact]
    public void A_validation_set_without_persons_is_left_out_of_the_recorded_metrics_and_the_run_still_exports()
    {
        var samples = PennFudanReader.Read(SharedData.PennFudan).Take(3).ToList();
        // A scene where the teacher found nobody (night infrared): its AP is undefined (NaN), which JSON cannot hold.
        var empty = samples.Select(s => s with { Boxes = [], Ignore = [] }).Take(1).ToList();
        var size = new DetectionResize(128, 192);
        var tasks = new TaskRegistry([TaskRegistry.Detection(contentQueries: 2, anchors: 10)]);
        TorchSharp.torch.manual_seed(5);
        using var model = new UniHcpModel(ModelConfig.Tiny, tasks);
        var task = new DetectionTrainingTask("detection", [new DetectionDataset("people", samples.Take(2).ToList(), samples.Skip(2).ToList(), 1, size), new DetectionDataset("dark", [], empty, 1, size)],
            batchSize: 1, new DetectionAugment { ShortSides = [128], MaxLongSide = 192 }, new DetectionLossWeights());
        var options = new TrainerOptions { OutputDirectory = _dir, Steps = 2, LearningRate = 1e-3, WarmupSteps = 1, EvaluateEvery = 2 };

        var summary = new Trainer(model, WeightsMetadata.For("metrics", ModelConfig.Tiny, tasks), [task], options, TextWriter.Null).Run(CancellationToken.None);

        Assert.True(summary.Finished);
        var metrics = JsonSerializer.Deserialize<Dictionary<string, double>>(WeightsFile.ReadMetadata(Path.Combine(_dir, "model.safetensors")).Provenance["training.metrics"])!;
        Assert.Contains("people.ap50", metrics.Keys);
        Assert.DoesNotContain(metrics.Keys, k => k.StartsWith("dark.", StringComparison.Ordinal));
    }
}
