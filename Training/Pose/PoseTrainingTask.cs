using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Inference.Processing;
using UniHCP.Pipeline.Training.Data;
using UniHCP.Pipeline.Training.Evaluation;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Training.Pose;

/// <summary>
/// Top-down pose training on labelled persons: each step draws <see cref="BatchSize"/> persons, crops them as the
/// engine does (box enlarged 1.25x to 3:4, bilinear), with random scale (0.75-1.25 of the crop), a left-right
/// mirror that swaps the joint pairs, and optionally turns and half-body crops (<see cref="PoseView"/>), and supervises every decoder layer with <see cref="PoseLoss"/> against UDP
/// Gaussian targets. Held-out: COCO keypoint AP of the plain crops (no flip test), decoded as the engine decodes.
/// </summary>
public sealed class PoseTrainingTask : ITrainingTask
{
    private readonly List<(PoseSample Sample, int Person)> _train;
    private readonly IReadOnlyList<PoseSample> _validation;
    private readonly string _dataset;
    private readonly CropSize _input;
    private readonly PoseLoss _loss = new();

    public PoseTrainingTask(string task, string dataset, IReadOnlyList<PoseSample> train, IReadOnlyList<PoseSample> validation, int batchSize, CropSize? input = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        Task = task;
        _dataset = dataset;
        BatchSize = batchSize;
        _input = input ?? new CropSize(192, 256);
        _train = [.. train.SelectMany(s => Enumerable.Range(0, s.Persons.Count).Select(p => (s, p)))];
        if (_train.Count == 0)
            throw new ArgumentException($"Pose dataset '{dataset}' has no labelled person to train on.");
        _validation = validation;
    }

    public string Task { get; }

    public int BatchSize { get; }

    /// <summary>Random views (on by default; off to fit a fixed batch exactly, as the overfit test does): scale and
    /// mirror, and the turns and half-body crops below.</summary>
    public bool Augment { get; init; } = true;

    /// <summary>Largest turn of a view, in degrees (0: none); half of the views are turned, uniformly within it.</summary>
    public double RotationDegrees { get; init; }

    /// <summary>Share of the views (of persons with at least 8 labelled joints) that frame the upper or lower body only.</summary>
    public double HalfBodyProbability { get; init; }

    public (Tensor Loss, IReadOnlyDictionary<string, double> Parts) Step(UniHcpModel model, Random random, Device device)
    {
        var spec = model.Tasks[Task];
        var picks = Enumerable.Range(0, BatchSize).Select(_ => _train[random.Next(_train.Count)]).ToList();
        var crops = new List<Tensor>();
        var maps = new List<float[]>();
        var weights = new List<float[]>();
        int heatHeight = _input.Height / 4, heatWidth = _input.Width / 4;
        foreach (var (sample, person) in picks)
        {
            var (box, truth) = sample.Persons[person];
            var view = Augment
                ? PoseView.Draw(box, truth, _input, random, RotationDegrees, rotationProbability: 0.5, HalfBodyProbability)
                : new PoseView(CropBox.Around(box, _input.Width, _input.Height), 0, false);
            crops.Add(view.Sample(ImageTensors.FromImage(sample.Image, device), _input));
            var shown = truth.Joints.Select(j => view.ToCropFrame(j.X, j.Y)).ToList();
            var (m, w) = PoseTargets.Build(shown, [.. truth.Visibility.Select(v => v > 0)], view.Crop, heatHeight, heatWidth, view.Mirrored, spec.FlipPairs);
            maps.Add(m);
            weights.Add(w);
        }
        int joints = spec.Queries;
        var batch = cat(crops, 0);
        var targets = tensor(maps.SelectMany(m => m).ToArray(), [BatchSize, joints, heatHeight, heatWidth], device: device);
        var targetWeights = tensor(weights.SelectMany(w => w).ToArray(), [BatchSize, joints], device: device);
        var tokens = model.Encode(batch, Task);
        var layers = model.RunAllLayers(Task, tokens, model.MaskFeatures(tokens, Task));
        Tensor? total = null;
        PoseLossParts? last = null;
        foreach (var layer in layers)
        {
            var (loss, parts) = _loss.Compute(layer.LocalMapLogits!, layer.GlobalLogits!, targets, targetWeights);
            total = total is null ? loss : total + loss;
            last = parts;
            layer.Dispose();
        }
        return (total!, new Dictionary<string, double>(StringComparer.Ordinal)
        {
            [$"{_dataset}.pose_heatmap"] = last!.Heatmap,
            [$"{_dataset}.pose_visibility"] = last.Visibility,
        });
    }

    public IReadOnlyDictionary<string, double> Evaluate(UniHcpModel model, Device device)
    {
        model.eval();
        var spec = model.Tasks[Task];
        var results = new List<PoseResult>();
        using (inference_mode())
        {
            foreach (var sample in _validation)
            {
                if (sample.Persons.Count == 0)
                {
                    results.Add(new PoseResult([], []));
                    continue;
                }
                using var scope = NewDisposeScope();
                var boxes = sample.Persons.Select(p => CropBox.Around(p.Box, _input.Width, _input.Height)).ToList();
                var crops = ImageTensors.Crops(ImageTensors.FromImage(sample.Image, device), boxes, _input);
                var tokens = model.Encode(crops, Task);
                using var output = model.Run(Task, tokens, model.MaskFeatures(tokens, Task));
                var heatmaps = output.LocalMapLogits!;
                int height = (int)heatmaps.shape[2], width = (int)heatmaps.shape[3], plane = spec.Queries * height * width;
                float[] values = heatmaps.to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
                var predictions = new List<PosePrediction>();
                for (int k = 0; k < boxes.Count; k++)
                {
                    var decoded = HeatmapDecoder.Decode(values.AsSpan(k * plane, plane), spec.Queries, height, width);
                    var joints = decoded.Select(d => ((float)boxes[k].SourceX(d.X, width), (float)boxes[k].SourceY(d.Y, height))).ToList();
                    predictions.Add(new PosePrediction(joints, decoded.Average(d => Math.Clamp(d.Score, 0f, 1f))));
                }
                results.Add(new PoseResult([.. sample.Persons.Select(p => p.Truth)], predictions));
            }
        }
        var (ap, ap50) = PoseAveragePrecision.Evaluate(results);
        return new Dictionary<string, double>(StringComparer.Ordinal) { [$"{_dataset}.pose_ap"] = ap, [$"{_dataset}.pose_ap50"] = ap50 };
    }
}
