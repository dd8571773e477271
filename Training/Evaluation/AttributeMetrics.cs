namespace UniHCP.Pipeline.Training.Evaluation;

/// <summary>Pedestrian-attribute scores: label-based mean accuracy and the instance-based accuracy, precision, recall and F1.</summary>
public sealed record AttributeScores(double MeanAccuracy, double Accuracy, double Precision, double Recall, double F1, int Samples, int AttributesScored);

/// <summary>
/// The pedestrian-attribute benchmarks' metrics (PA-100K, RAP, PETA protocol). Label-based: mA, the mean over
/// attributes of (true-positive rate + true-negative rate) / 2, over attributes that have both positive and negative
/// known labels (an attribute without one of them has no defined rate and is left out, and counted). Instance-based,
/// per sample over its known labels: accuracy |truth n predicted| / |truth u predicted|, precision |n| / |predicted|,
/// recall |n| / |truth| (0 where the denominator is empty, as the reference code's epsilon gives), averaged over
/// samples; F1 = 2 P R / (P + R) of those averages. Label -1 means unknown and is skipped everywhere.
/// </summary>
public static class AttributeMetrics
{
    /// <param name="probabilities">Per sample, per attribute: the predicted probability.</param>
    /// <param name="labels">Per sample, per attribute: 1, 0 or -1 (unknown).</param>
    /// <param name="threshold">A probability at or above it predicts the attribute.</param>
    public static AttributeScores Evaluate(IReadOnlyList<IReadOnlyList<float>> probabilities, IReadOnlyList<IReadOnlyList<int>> labels, float threshold = 0.5f)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        ArgumentNullException.ThrowIfNull(labels);
        if (probabilities.Count != labels.Count || probabilities.Count == 0)
            throw new ArgumentException($"{probabilities.Count} prediction rows for {labels.Count} label rows; need the same, non-zero number.");
        int attributes = labels[0].Count;
        var truePositive = new long[attributes];
        var trueNegative = new long[attributes];
        var positives = new long[attributes];
        var negatives = new long[attributes];
        double accuracy = 0, precision = 0, recall = 0;
        for (int s = 0; s < labels.Count; s++)
        {
            if (labels[s].Count != attributes || probabilities[s].Count != attributes)
                throw new ArgumentException($"Sample {s}: {probabilities[s].Count} predictions and {labels[s].Count} labels; expected {attributes} each.");
            int intersection = 0, union = 0, predicted = 0, truth = 0;
            for (int a = 0; a < attributes; a++)
            {
                int label = labels[s][a];
                if (label is < -1 or > 1)
                    throw new ArgumentException($"Sample {s}, attribute {a}: label {label} is not 1, 0 or -1 (unknown).");
                if (label < 0)
                    continue;
                bool predictedPositive = probabilities[s][a] >= threshold;
                if (label == 1)
                {
                    positives[a]++;
                    truth++;
                    if (predictedPositive)
                        truePositive[a]++;
                }
                else
                {
                    negatives[a]++;
                    if (!predictedPositive)
                        trueNegative[a]++;
                }
                if (predictedPositive)
                    predicted++;
                if (predictedPositive && label == 1)
                    intersection++;
                if (predictedPositive || label == 1)
                    union++;
            }
            accuracy += union == 0 ? 0 : (double)intersection / union;
            precision += predicted == 0 ? 0 : (double)intersection / predicted;
            recall += truth == 0 ? 0 : (double)intersection / truth;
        }
        var scored = Enumerable.Range(0, attributes).Where(a => positives[a] > 0 && negatives[a] > 0).ToList();
        double meanAccuracy = scored.Count == 0 ? double.NaN
            : scored.Average(a => (((double)truePositive[a] / positives[a]) + ((double)trueNegative[a] / negatives[a])) / 2);
        int n = labels.Count;
        double p = precision / n, r = recall / n;
        return new AttributeScores(meanAccuracy, accuracy / n, p, r, p + r == 0 ? 0 : 2 * p * r / (p + r), n, scored.Count);
    }
}
