using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Inference.Processing;
using UniHCP.Pipeline.Training.Data;
using UniHCP.Pipeline.Training.Evaluation;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Training.Parsing;

/// <summary>
/// Human parsing on labelled images (LIP / CIHP): each step draws <see cref="BatchSize"/> images, fits each whole
/// into the square input (the engine's crop transform around the image, so the model sees a person region the way
/// the engine feeds it one; the margin is labelled "ignore"), with random scale (0.75-1.25) and a mirror that also
/// swaps the left/right classes, and supervises every decoder layer with <see cref="ParsingLoss"/> at points chosen
/// by <see cref="ParsingPoints"/>. Held-out: pixel accuracy and mIoU at the label images' own resolution, the
/// prediction decoded as the engine decodes it (sigmoid(class) x sigmoid(mask), argmax).
/// </summary>
public sealed class ParsingTrainingTask : ITrainingTask
{
    private readonly IReadOnlyList<ParsingSample> _train;
    private readonly IReadOnlyList<ParsingSample> _validation;
    private readonly string _dataset;
    private readonly CropSize _input;
    private readonly int _points;
    private ParsingLoss? _loss;

    /// <param name="points">Points per mask the loss reads (release: 12,544 = 112^2).</param>
    public ParsingTrainingTask(string task, string dataset, IReadOnlyList<ParsingSample> train, IReadOnlyList<ParsingSample> validation, int batchSize, CropSize? input = null, int points = 12544)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(points, 1);
        if (train.Count == 0)
            throw new ArgumentException($"Parsing dataset '{dataset}' has no image to train on.");
        Task = task;
        _dataset = dataset;
        BatchSize = batchSize;
        _input = input ?? new CropSize(480, 480);
        _points = points;
        _train = train;
        _validation = validation;
    }

    public string Task { get; }

    public int BatchSize { get; }

    /// <summary>Random scale and mirror (on by default; off to fit a fixed batch exactly, as the overfit test does).</summary>
    public bool Augment { get; init; } = true;

    public (Tensor Loss, IReadOnlyDictionary<string, double> Parts) Step(UniHcpModel model, Random random, Device device)
    {
        var spec = model.Tasks[Task];
        _loss ??= new ParsingLoss(PositiveRatios(_train, spec.Queries));
        var crops = new List<Tensor>();
        var labels = new List<Tensor>();
        foreach (var sample in Enumerable.Range(0, BatchSize).Select(_ => _train[random.Next(_train.Count)]))
        {
            var crop = WholeImage(sample.Image);
            double scale = Augment ? 0.75 + (0.5 * random.NextDouble()) : 1;
            crop = crop with { Width = crop.Width * scale, Height = crop.Height * scale };
            bool mirrored = Augment && random.NextDouble() < 0.5;
            var pixels = ImageTensors.Crops(ImageTensors.FromImage(sample.Image, device), [crop], _input);
            crops.Add(mirrored ? pixels.flip(3) : pixels);
            labels.Add(tensor(LabelsInCrop(sample, crop, mirrored, FlipMap(spec)), [1, _input.Height, _input.Width], device: device));
        }
        var target = cat(labels, 0).to(ScalarType.Int64);
        var tokens = model.Encode(cat(crops, 0), Task);
        Tensor? total = null;
        ParsingLossParts? last = null;
        foreach (var layer in model.RunAllLayers(Task, tokens, model.MaskFeatures(tokens, Task)))
        {
            var points = ParsingPoints.Sample(layer.LocalMapLogits!, _points);
            var (loss, parts) = _loss.Compute(layer.GlobalLogits!, layer.LocalMapLogits!, target, points);
            total = total is null ? loss : total + loss;
            last = parts;
            layer.Dispose();
        }
        return (total!, new Dictionary<string, double>(StringComparer.Ordinal)
        {
            [$"{_dataset}.parsing_presence"] = last!.Presence,
            [$"{_dataset}.parsing_mask"] = last.MaskBce,
            [$"{_dataset}.parsing_dice"] = last.Dice,
        });
    }

    public IReadOnlyDictionary<string, double> Evaluate(UniHcpModel model, Device device)
    {
        if (_validation.Count == 0)
            return new Dictionary<string, double>(StringComparer.Ordinal);
        var scores = Score(model, Task, _validation, _input, device);
        return new Dictionary<string, double>(StringComparer.Ordinal)
        {
            [$"{_dataset}.parsing_miou"] = scores.MeanIoU,
            [$"{_dataset}.parsing_pixel_accuracy"] = scores.PixelAccuracy,
        };
    }

    /// <summary>Pixel accuracy, mean class accuracy and mIoU of <paramref name="model"/> on labelled images (also `unihcp eval parsing`).</summary>
    public static ParsingScores Score(UniHcpModel model, string task, IReadOnlyList<ParsingSample> samples, CropSize input, Device device)
    {
        model.eval();
        var metrics = new ParsingMetrics(model.Tasks[task].Queries);
        using (inference_mode())
        {
            foreach (var sample in samples)
            {
                using var scope = NewDisposeScope();
                var crop = WholeImage(sample.Image);
                var pixels = ImageTensors.Crops(ImageTensors.FromImage(sample.Image, device), [crop], input);
                var tokens = model.Encode(pixels, task);
                using var output = model.Run(task, tokens, model.MaskFeatures(tokens, task));
                var masks = nn.functional.interpolate(output.LocalMapLogits!.to(ScalarType.Float32), size: [input.Height, input.Width], mode: InterpolationMode.Bilinear, align_corners: false);
                var probability = sigmoid(output.GlobalLogits!.to(ScalarType.Float32)).unsqueeze(-1).unsqueeze(-1) * sigmoid(masks);
                byte[] inCrop = probability.argmax(1).to(ScalarType.Byte).cpu().data<byte>().ToArray();
                metrics.Add(sample.Labels, BackToImage(inCrop, crop, input, sample.Image.Width, sample.Image.Height));
            }
        }
        return metrics.Scores();
    }

    /// <summary>The crop holding the whole image, square as the input (no margin beyond the longer side).</summary>
    private static CropBox WholeImage(RgbImage image) => CropBox.Around(new BoundingBox(0, 0, image.Width, image.Height), 1, 1, padding: 1.0);

    /// <summary>Share of the training images in which each class appears (the presence loss's weights).</summary>
    private static double[] PositiveRatios(IReadOnlyList<ParsingSample> samples, int classes)
    {
        var counts = new int[classes];
        foreach (var sample in samples)
        {
            var seen = new bool[classes];
            foreach (byte label in sample.Labels)
            {
                if (label < classes)
                    seen[label] = true;
            }
            for (int c = 0; c < classes; c++)
                counts[c] += seen[c] ? 1 : 0;
        }
        return [.. counts.Select(c => (double)c / samples.Count)];
    }

    /// <summary>Class map to apply when the crop is mirrored: left and right parts swap.</summary>
    private static byte[] FlipMap(TaskSpec spec)
    {
        var map = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        foreach (var (left, right) in spec.FlipPairs)
        {
            map[left] = (byte)right;
            map[right] = (byte)left;
        }
        return map;
    }

    /// <summary>The label image resampled (nearest) onto the crop's grid; outside the image it is "ignore".</summary>
    private byte[] LabelsInCrop(ParsingSample sample, CropBox crop, bool mirrored, byte[] flipMap)
    {
        int width = sample.Image.Width, height = sample.Image.Height;
        var result = new byte[_input.Width * _input.Height];
        var columns = new int[_input.Width];
        for (int u = 0; u < _input.Width; u++)
            columns[u] = (int)Math.Round(crop.SourceX(mirrored ? _input.Width - 1 - u : u, _input.Width));
        for (int v = 0; v < _input.Height; v++)
        {
            int y = (int)Math.Round(crop.SourceY(v, _input.Height));
            for (int u = 0; u < _input.Width; u++)
            {
                int x = columns[u];
                byte label = x < 0 || y < 0 || x >= width || y >= height ? ParsingMetrics.IgnoreLabel : sample.Labels[(y * width) + x];
                result[(v * _input.Width) + u] = mirrored ? flipMap[label] : label;
            }
        }
        return result;
    }

    /// <summary>A prediction on the crop's grid read back at every image pixel (nearest crop pixel).</summary>
    private static byte[] BackToImage(byte[] inCrop, CropBox crop, CropSize input, int width, int height)
    {
        var result = new byte[width * height];
        for (int y = 0; y < height; y++)
        {
            int v = Math.Clamp((int)Math.Round((y - crop.CentreY + (crop.Height / 2)) * (input.Height - 1) / crop.Height), 0, input.Height - 1);
            for (int x = 0; x < width; x++)
            {
                int u = Math.Clamp((int)Math.Round((x - crop.CentreX + (crop.Width / 2)) * (input.Width - 1) / crop.Width), 0, input.Width - 1);
                result[(y * width) + x] = inCrop[(v * input.Width) + u];
            }
        }
        return result;
    }
}
