using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Inference.Processing;
using UniHCP.Pipeline.Training.Evaluation;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Training.Attributes;

/// <summary>A person crop with its attribute labels (1, 0, -1 unknown).</summary>
public sealed record AttributeSample(RgbImage Crop, IReadOnlyList<int> Labels);

/// <summary>
/// Attribute training on person crops (each image is one person, as attribute datasets are): crops resized to
/// 256x192 as the engine cuts them (the whole image as the box, enlarged 1.25x to 3:4), random mirroring,
/// <see cref="AttributeLoss"/> with the training labels' positive ratios on every decoder layer. Held-out: mA and
/// instance F1 (<see cref="AttributeMetrics"/>).
/// </summary>
public sealed class AttributeTrainingTask : ITrainingTask
{
    private readonly IReadOnlyList<AttributeSample> _train;
    private readonly IReadOnlyList<AttributeSample> _validation;
    private readonly string _dataset;
    private readonly AttributeLoss _loss;
    private readonly CropSize _input;

    public AttributeTrainingTask(string task, string dataset, IReadOnlyList<AttributeSample> train, IReadOnlyList<AttributeSample> validation, int batchSize, CropSize? input = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (train.Count == 0)
            throw new ArgumentException($"Attribute dataset '{dataset}' has no training crop.");
        Task = task;
        _dataset = dataset;
        BatchSize = batchSize;
        _input = input ?? new CropSize(192, 256);
        _train = train;
        _validation = validation;
        _loss = new AttributeLoss(AttributeLoss.PositiveRatios([.. train.Select(s => s.Labels)], train[0].Labels.Count));
    }

    public string Task { get; }

    public int BatchSize { get; }

    /// <summary>Random mirror (on by default; off to fit a fixed batch exactly, as the overfit test does).</summary>
    public bool Augment { get; init; } = true;

    /// <summary>
    /// Encode every training crop once, plain and mirrored, and train the decoder on the kept encoder outputs: the
    /// encoder is most of a step's cost, so prompt tuning on a CPU runs several times faster. Only valid when nothing in
    /// the encoder learns (prompt tuning: <see cref="TrainerOptions.TrainableParameters"/> names task tensors only) and
    /// it has no random layers (drop path is then not applied to the cached pass).
    /// </summary>
    public bool CacheEncoder { get; init; }

    /// <summary>Bytes held by the cached encoder outputs (0 before the first step or without <see cref="CacheEncoder"/>).</summary>
    public long CachedBytes => _cache?.Sum(c => (c.Plain.NumberOfElements + c.Mirrored.NumberOfElements) * c.Plain.ElementSize) ?? 0;

    private List<(Tensor Plain, Tensor Mirrored)>? _cache;

    public (Tensor Loss, IReadOnlyDictionary<string, double> Parts) Step(UniHcpModel model, Random random, Device device)
    {
        var picks = Enumerable.Range(0, BatchSize).Select(_ => random.Next(_train.Count)).ToList();
        var mirrored = picks.Select(_ => Augment && random.NextDouble() < 0.5).ToList();
        var labels = tensor(picks.SelectMany(i => _train[i].Labels.Select(v => (float)v)).ToArray(), [BatchSize, _loss.Attributes], device: device);
        Tensor tokens;
        if (CacheEncoder)
        {
            _cache ??= EncodeOnce(model, device);
            tokens = cat(picks.Select((i, k) => mirrored[k] ? _cache[i].Mirrored : _cache[i].Plain).ToList(), 0);
        }
        else
        {
            tokens = model.Encode(cat(picks.Select((i, k) => mirrored[k] ? Crop(_train[i], device).flip(3) : Crop(_train[i], device)).ToList(), 0));
        }
        Tensor? total = null;
        foreach (var layer in model.RunAllLayers(Task, tokens))
        {
            var loss = _loss.Compute(layer.GlobalLogits!, labels);
            total = total is null ? loss : total + loss;
            layer.Dispose();
        }
        return (total!, new Dictionary<string, double>(StringComparer.Ordinal) { [$"{_dataset}.attributes"] = total!.item<float>() });
    }

    // The encoder outputs of every training crop, plain and mirrored, in the step model's precision; kept outside the
    // step's dispose scope for the whole run.
    private List<(Tensor Plain, Tensor Mirrored)> EncodeOnce(UniHcpModel model, Device device)
    {
        var cache = new List<(Tensor, Tensor)>(_train.Count);
        bool wasTraining = model.training;
        model.eval();
        using (no_grad())
        {
            foreach (var chunk in _train.Chunk(16))
            {
                using var scope = NewDisposeScope();
                var crops = cat(chunk.Select(s => Crop(s, device)).ToList(), 0);
                var plain = model.Encode(crops);
                var flipped = model.Encode(crops.flip(3));
                for (int i = 0; i < chunk.Length; i++)
                    cache.Add((plain[i..(i + 1)].clone().DetachFromDisposeScope(), flipped[i..(i + 1)].clone().DetachFromDisposeScope()));
            }
        }
        if (wasTraining)
            model.train();
        return cache;
    }

    public IReadOnlyDictionary<string, double> Evaluate(UniHcpModel model, Device device)
    {
        if (_validation.Count == 0)
            return new Dictionary<string, double>(StringComparer.Ordinal);
        var scores = Score(model, Task, _validation, device, _input);
        return new Dictionary<string, double>(StringComparer.Ordinal) { [$"{_dataset}.ma"] = scores.MeanAccuracy, [$"{_dataset}.f1"] = scores.F1 };
    }

    /// <summary>mA and instance F1 of <paramref name="task"/> on labelled crops (also `unihcp eval attributes`).</summary>
    public static AttributeScores Score(UniHcpModel model, string task, IReadOnlyList<AttributeSample> samples, Device device, CropSize? input = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(samples);
        var size = input ?? new CropSize(192, 256);
        int attributes = model.Tasks[task].Queries;
        model.eval();
        var probabilities = new List<IReadOnlyList<float>>();
        using (inference_mode())
        {
            foreach (var chunk in samples.Chunk(16))
            {
                using var scope = NewDisposeScope();
                using var output = model.Run(task, model.Encode(cat(chunk.Select(s => Crop(s, size, device)).ToList(), 0)));
                float[] values = sigmoid(output.GlobalLogits!.to(ScalarType.Float32)).cpu().contiguous().data<float>().ToArray();
                for (int i = 0; i < chunk.Length; i++)
                    probabilities.Add(values.AsSpan(i * attributes, attributes).ToArray());
            }
        }
        return AttributeMetrics.Evaluate(probabilities, [.. samples.Select(s => s.Labels)]);
    }

    private Tensor Crop(AttributeSample sample, Device device) => Crop(sample, _input, device);

    private static Tensor Crop(AttributeSample sample, CropSize input, Device device)
    {
        var box = CropBox.Around(new BoundingBox(0, 0, sample.Crop.Width, sample.Crop.Height), input.Width, input.Height);
        return ImageTensors.Crops(ImageTensors.FromImage(sample.Crop, device), [box], input);
    }
}
