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

    public (Tensor Loss, IReadOnlyDictionary<string, double> Parts) Step(UniHcpModel model, Random random, Device device)
    {
        var picks = Enumerable.Range(0, BatchSize).Select(_ => _train[random.Next(_train.Count)]).ToList();
        var crops = picks.Select(s => Augment && random.NextDouble() < 0.5 ? Crop(s, device).flip(3) : Crop(s, device)).ToList();
        var labels = tensor(picks.SelectMany(s => s.Labels.Select(v => (float)v)).ToArray(), [BatchSize, _loss.Attributes], device: device);
        var tokens = model.Encode(cat(crops, 0));
        Tensor? total = null;
        foreach (var layer in model.RunAllLayers(Task, tokens))
        {
            var loss = _loss.Compute(layer.GlobalLogits!, labels);
            total = total is null ? loss : total + loss;
            layer.Dispose();
        }
        return (total!, new Dictionary<string, double>(StringComparer.Ordinal) { [$"{_dataset}.attributes"] = total!.item<float>() });
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
        var frame = new VideoFrame("crop", 0, DateTimeOffset.UnixEpoch, TimeSpan.Zero, sample.Crop.Width, sample.Crop.Height, PixelFormat.Rgb24, sample.Crop.Pixels);
        var box = CropBox.Around(new BoundingBox(0, 0, sample.Crop.Width, sample.Crop.Height), input.Width, input.Height);
        return ImageTensors.Crops(ImageTensors.FromFrame(frame, device), [box], input);
    }
}
