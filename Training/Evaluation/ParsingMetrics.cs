namespace UniHCP.Pipeline.Training.Evaluation;

/// <summary>Human-parsing scores from a confusion matrix.</summary>
/// <param name="ClassIoU">Per class: IoU, or NaN where the class appears in neither truth nor prediction.</param>
public sealed record ParsingScores(double PixelAccuracy, double MeanAccuracy, double MeanIoU, IReadOnlyList<double> ClassIoU);

/// <summary>
/// The parsing benchmarks' metrics (LIP / CIHP): a confusion matrix over all pixels of all images, then pixel
/// accuracy (correct / labelled pixels), mean class accuracy and mean IoU (TP / (TP + FP + FN)) over the classes
/// that occur in the truth or the prediction. Truth pixels labelled <see cref="IgnoreLabel"/> are not scored.
/// </summary>
public sealed class ParsingMetrics(int classes)
{
    public const byte IgnoreLabel = 255;

    private readonly long[,] _confusion = new long[classes, classes];

    public int Classes { get; } = classes is >= 2 and < IgnoreLabel ? classes : throw new ArgumentOutOfRangeException(nameof(classes), $"Parsing needs 2 to {IgnoreLabel - 1} classes, not {classes}.");

    /// <summary>Adds one image's label maps (row-major, same size).</summary>
    public void Add(ReadOnlySpan<byte> truth, ReadOnlySpan<byte> predicted)
    {
        if (truth.Length != predicted.Length)
            throw new ArgumentException($"Truth has {truth.Length} pixels and the prediction {predicted.Length}; they must be the same size.");
        for (int i = 0; i < truth.Length; i++)
        {
            if (truth[i] == IgnoreLabel)
                continue;
            if (truth[i] >= Classes || predicted[i] >= Classes)
                throw new ArgumentException($"Pixel {i}: label {Math.Max(truth[i], predicted[i])} is outside the {Classes} classes.");
            _confusion[truth[i], predicted[i]]++;
        }
    }

    public ParsingScores Scores()
    {
        long total = 0, correct = 0;
        var iou = new double[Classes];
        var accuracies = new List<double>();
        for (int c = 0; c < Classes; c++)
        {
            long truthCount = 0, predictedCount = 0;
            for (int k = 0; k < Classes; k++)
            {
                truthCount += _confusion[c, k];
                predictedCount += _confusion[k, c];
            }
            long tp = _confusion[c, c];
            total += truthCount;
            correct += tp;
            long union = truthCount + predictedCount - tp;
            iou[c] = union == 0 ? double.NaN : (double)tp / union;
            if (truthCount > 0)
                accuracies.Add((double)tp / truthCount);
        }
        var present = iou.Where(v => !double.IsNaN(v)).ToList();
        return new ParsingScores(
            total == 0 ? double.NaN : (double)correct / total,
            accuracies.Count == 0 ? double.NaN : accuracies.Average(),
            present.Count == 0 ? double.NaN : present.Average(),
            iou);
    }
}
