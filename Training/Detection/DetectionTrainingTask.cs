using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Inference.Processing;
using UniHCP.Pipeline.Training.Data;
using UniHCP.Pipeline.Training.Evaluation;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Training.Detection;

/// <summary>A detection dataset in a training run: training samples, held-out samples, and its share of each batch;
/// its held-out part is scored at <paramref name="EvaluationSize"/>, dropping detections that overlap a better one by
/// <paramref name="DuplicateIoU"/> or more (null: all kept) - what runs of the weights do, so the report predicts them.</summary>
/// <param name="EvaluationTiles">The tile grid held-out images are scored with (<see cref="PerceptionOptions.DetectionTiles"/>;
/// <see cref="PerceptionOptions.AutoTiles"/> as runs read by default).</param>
public sealed record DetectionDataset(string Name, IReadOnlyList<DetectionSample> Train, IReadOnlyList<DetectionSample> Validation, double Weight, DetectionResize EvaluationSize,
    float? DuplicateIoU = null, int EvaluationTiles = 1);

/// <summary>Pedestrian detection with the paper's matching and losses, every decoder layer supervised.</summary>
public sealed class DetectionTrainingTask(string task, IReadOnlyList<DetectionDataset> datasets, int batchSize, DetectionAugment augment, DetectionLossWeights weights, double lossWeight = 1.0) : ITrainingTask
{
    private readonly DetectionCriterion _criterion = new(weights);

    public string Task { get; } = task;

    public int BatchSize { get; } = batchSize;

    public (Tensor Loss, IReadOnlyDictionary<string, double> Parts) Step(UniHcpModel model, Random random, Device device)
    {
        var samples = Enumerable.Range(0, BatchSize).Select(_ => Draw(random)).ToList();
        var (images, targets) = DetectionBatcher.Make(model, samples, augment, random, device);
        var tokens = model.EncodeNormalized(images);
        var layers = model.RunAllLayers(Task, tokens);
        try
        {
            var (loss, parts) = _criterion.Compute(layers, targets);
            return (loss * lossWeight, LogParts(parts));
        }
        finally
        {
            foreach (var layer in layers)
                layer.Dispose();
        }
    }

    /// <summary>The loss parts as the training log names them.</summary>
    public static Dictionary<string, double> LogParts(DetectionLossParts parts) => new()
    {
        ["det.loss"] = parts.Total,
        ["det.class"] = parts.Class,
        ["det.l1"] = parts.L1,
        ["det.giou"] = parts.GIoU,
        ["det.boxes"] = parts.Boxes,
    };

    public IReadOnlyDictionary<string, double> Evaluate(UniHcpModel model, Device device) => EvaluateHeldOut(model, Task, datasets, device);

    /// <summary>AP50 and AP of every dataset's held-out images, by "name.ap50" and "name.ap".</summary>
    public static IReadOnlyDictionary<string, double> EvaluateHeldOut(UniHcpModel model, string task, IReadOnlyList<DetectionDataset> datasets, Device device)
    {
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var dataset in datasets.Where(d => d.Validation.Count > 0))
        {
            var result = DetectionEvaluator.Evaluate(model, task, dataset.Validation, dataset.EvaluationSize, device, duplicateIoU: dataset.DuplicateIoU, tiles: dataset.EvaluationTiles);
            metrics[$"{dataset.Name}.ap50"] = result.Ap50;
            metrics[$"{dataset.Name}.ap"] = result.Ap;
        }
        return metrics;
    }

    private DetectionSample Draw(Random random) => Draw(datasets, random);

    /// <summary>A training sample: a dataset by weight, then an image of it uniformly. Datasets without training images
    /// (scenes held out whole) only validate.</summary>
    public static DetectionSample Draw(IReadOnlyList<DetectionDataset> datasets, Random random)
    {
        var drawable = datasets.Where(d => d.Train.Count > 0 && d.Weight > 0).ToList();
        if (drawable.Count == 0)
            throw new InvalidOperationException("No detection dataset has training images to draw from.");
        double total = drawable.Sum(d => d.Weight), pick = random.NextDouble() * total;
        foreach (var dataset in drawable)
        {
            pick -= dataset.Weight;
            if (pick <= 0 || dataset == drawable[^1])
                return dataset.Train[random.Next(dataset.Train.Count)];
        }
        throw new InvalidOperationException("No detection dataset to draw from.");
    }
}
