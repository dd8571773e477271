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
        if (truthCount == 0)
            return double.NaN;
        var ranked = images.SelectMany((image, index) => image.Predictions.Select(p => (Image: index, Prediction: p)))
            .OrderByDescending(x => x.Prediction.Score)
            .ToList();
        var matched = images.Select(i => new bool[i.Truth.Count]).ToArray();
        var isTrue = new List<bool>(ranked.Count);
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
                isTrue.Add(true);
            }
            else if (!InIgnoreRegion(prediction.Box, image.Ignore))
            {
                isTrue.Add(false);
            }
        }
        return Interpolated(isTrue, truthCount);
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
    private static double Interpolated(List<bool> isTrue, int truthCount)
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
