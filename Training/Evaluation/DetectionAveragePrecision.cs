using UniHCP.Pipeline.Core.Events;

namespace UniHCP.Pipeline.Training.Evaluation;

/// <summary>A scored detection of one image.</summary>
public readonly record struct ScoredBox(BoundingBox Box, float Score);

/// <summary>One image's ground truth and predictions for <see cref="DetectionAveragePrecision"/>.</summary>
public sealed record DetectionResult(IReadOnlyList<BoundingBox> Truth, IReadOnlyList<BoundingBox> Ignore, IReadOnlyList<ScoredBox> Predictions);

/// <summary>
/// COCO-style average precision for one class: detections of all images ranked by score, each
/// matched greedily to the unmatched ground-truth box it overlaps most (IoU at or above the
/// threshold); a detection that matches nothing but lies mostly (IoA above 0.5) in an ignore region
/// is dropped rather than counted false; precision made monotone and sampled at 101 recall points.
/// AP is the mean over IoU 0.50:0.05:0.95; AP50 at IoU 0.5.
/// </summary>
public static class DetectionAveragePrecision
{
    public static double At(IReadOnlyList<DetectionResult> images, double iouThreshold)
    {
        ArgumentNullException.ThrowIfNull(images);
        int truthCount = images.Sum(i => i.Truth.Count);
        return truthCount == 0 ? double.NaN : Interpolated(Ranked(images, iouThreshold).Select(r => r.IsTrue).ToList(), truthCount);
    }

    /// <summary>The score threshold with the best F1 at IoU 0.5 (precision and recall there): the operating point to
    /// deploy a detector at, or to calibrate its scores to.</summary>
    public static (float Threshold, double Precision, double Recall, double F1) BestF1(IReadOnlyList<DetectionResult> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        int truthCount = images.Sum(i => i.Truth.Count);
        var ranked = Ranked(images, 0.5);
        (float, double, double, double) best = (1, 0, 0, 0);
        int tp = 0;
        for (int i = 0; i < ranked.Count; i++)
        {
            if (ranked[i].IsTrue)
                tp++;
            // Only where the next detection scores lower: a threshold cannot split equal scores.
            if (i + 1 < ranked.Count && ranked[i + 1].Score == ranked[i].Score)
                continue;
            double precision = (double)tp / (i + 1), recall = truthCount == 0 ? 0 : (double)tp / truthCount;
            double f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
            if (f1 > best.Item4)
                best = (ranked[i].Score, precision, recall, f1);
        }
        return best;
    }

    /// <summary>
    /// The pedestrian benchmarks' log-average miss rate MR<sup>-2</sup> (Caltech, CityPersons, CrowdHuman; lower is
    /// better): the miss rate (1 - recall) at nine false-positives-per-image points evenly spaced in log space from
    /// 10^-2 to 10^0, each read at the last rank whose FPPI does not exceed the point (miss rate 1 where none does),
    /// averaged geometrically. Matching as for AP, at IoU 0.5 by default.
    /// </summary>
    public static double LogAverageMissRate(IReadOnlyList<DetectionResult> images, double iouThreshold = 0.5)
    {
        ArgumentNullException.ThrowIfNull(images);
        int truthCount = images.Sum(i => i.Truth.Count);
        if (truthCount == 0 || images.Count == 0)
            return double.NaN;
        var ranked = Ranked(images, iouThreshold);
        var fppi = new double[ranked.Count];
        var missRate = new double[ranked.Count];
        int tp = 0, fp = 0;
        for (int i = 0; i < ranked.Count; i++)
        {
            if (ranked[i].IsTrue)
                tp++;
            else
                fp++;
            fppi[i] = (double)fp / images.Count;
            missRate[i] = 1 - ((double)tp / truthCount);
        }
        double logSum = 0;
        for (int k = 0; k < 9; k++)
        {
            double reference = Math.Pow(10, -2 + (k * 0.25));
            int last = Array.FindLastIndex(fppi, f => f <= reference);
            logSum += Math.Log(Math.Max(1e-10, last < 0 ? 1 : missRate[last]));
        }
        return Math.Exp(logSum / 9);
    }

    // Detections of all images by falling score, each true (matched greedily to the unmatched truth it overlaps
    // most, at or above the IoU threshold) or false; unmatched ones in ignore regions are left out.
    private static List<(float Score, bool IsTrue)> Ranked(IReadOnlyList<DetectionResult> images, double iouThreshold)
    {
        var ranked = images.SelectMany((image, index) => image.Predictions.Select(p => (Image: index, Prediction: p)))
            .OrderByDescending(x => x.Prediction.Score)
            .ToList();
        var matched = images.Select(i => new bool[i.Truth.Count]).ToArray();
        var result = new List<(float, bool)>(ranked.Count);
        foreach (var (imageIndex, prediction) in ranked)
        {
            var image = images[imageIndex];
            int best = -1;
            double bestIoU = iouThreshold;
            for (int t = 0; t < image.Truth.Count; t++)
            {
                if (matched[imageIndex][t])
                    continue;
                double iou = prediction.Box.IoU(image.Truth[t]);
                if (iou >= bestIoU)
                {
                    bestIoU = iou;
                    best = t;
                }
            }
            if (best >= 0)
            {
                matched[imageIndex][best] = true;
                result.Add((prediction.Score, true));
            }
            else if (!InIgnoreRegion(prediction.Box, image.Ignore))
            {
                result.Add((prediction.Score, false));
            }
        }
        return result;
    }

    /// <summary>AP averaged over IoU 0.50, 0.55, ..., 0.95.</summary>
    public static double Coco(IReadOnlyList<DetectionResult> images) =>
        Enumerable.Range(0, 10).Select(i => At(images, 0.5 + (0.05 * i))).Average();

    private static bool InIgnoreRegion(BoundingBox box, IReadOnlyList<BoundingBox> ignore)
    {
        foreach (var region in ignore)
        {
            float w = Math.Min(box.X2, region.X2) - Math.Max(box.X1, region.X1);
            float h = Math.Min(box.Y2, region.Y2) - Math.Max(box.Y1, region.Y1);
            if (w > 0 && h > 0 && box.Area > 0 && w * h / box.Area > 0.5)
                return true;
        }
        return false;
    }

    // 101-point interpolated AP (COCO): precision at each recall threshold is the best precision at
    // that recall or beyond.
    /// <summary>COCO's 101-point interpolated precision of a ranked list of hits (true) and misses.</summary>
    internal static double Interpolated(List<bool> isTrue, int truthCount)
    {
        int n = isTrue.Count;
        var precision = new double[n];
        var recall = new double[n];
        int tp = 0;
        for (int i = 0; i < n; i++)
        {
            if (isTrue[i])
                tp++;
            precision[i] = (double)tp / (i + 1);
            recall[i] = (double)tp / truthCount;
        }
        for (int i = n - 2; i >= 0; i--)
            precision[i] = Math.Max(precision[i], precision[i + 1]);
        double sum = 0;
        int k = 0;
        for (int r = 0; r <= 100; r++)
        {
            double target = r / 100.0;
            while (k < n && recall[k] < target)
                k++;
            if (k < n)
                sum += precision[k];
        }
        return sum / 101;
    }
}
