namespace UniHCP.Pipeline.Training.Evaluation;

/// <summary>A labelled person: joint positions, COCO visibility (0 = not labelled, 1 = occluded, 2 = visible) and the
/// segment area in pixels (COCO's scale for the keypoint similarity).</summary>
public sealed record PoseTruth(IReadOnlyList<(float X, float Y)> Joints, IReadOnlyList<int> Visibility, double Area);

/// <summary>A predicted person: joint positions and the instance score that ranks it.</summary>
public sealed record PosePrediction(IReadOnlyList<(float X, float Y)> Joints, float Score);

/// <summary>One image's labelled and predicted persons.</summary>
public sealed record PoseResult(IReadOnlyList<PoseTruth> Truths, IReadOnlyList<PosePrediction> Predictions);

/// <summary>
/// COCO keypoint AP: the object keypoint similarity OKS = mean over labelled joints of exp(-d^2 / (2 s^2 k^2)),
/// s^2 the truth's area and k = 2 sigma the joint's COCO constant; predictions of all images ranked by score, each
/// matched greedily to the unmatched truth of its image it is most similar to (OKS at or above the threshold);
/// 101-point interpolated precision; AP is the mean over OKS 0.50:0.05:0.95. Truths without a labelled joint are
/// not counted (COCO marks them ignored) and predictions cannot match them.
/// </summary>
public static class PoseAveragePrecision
{
    /// <summary>COCO's per-joint sigmas (nose, eyes, ears, shoulders, elbows, wrists, hips, knees, ankles).</summary>
    public static IReadOnlyList<double> CocoSigmas { get; } =
        [0.026, 0.025, 0.025, 0.035, 0.035, 0.079, 0.079, 0.072, 0.072, 0.062, 0.062, 0.107, 0.107, 0.087, 0.087, 0.089, 0.089];

    public static double Similarity(PoseTruth truth, PosePrediction prediction, IReadOnlyList<double>? sigmas = null)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(prediction);
        sigmas ??= CocoSigmas;
        int joints = sigmas.Count;
        if (truth.Joints.Count != joints || truth.Visibility.Count != joints || prediction.Joints.Count != joints)
            throw new ArgumentException($"Truth ({truth.Joints.Count} joints, {truth.Visibility.Count} visibilities) and prediction ({prediction.Joints.Count} joints) must have {joints} joints each.");
        if (!(truth.Area > 0))
            throw new ArgumentException($"A truth's area must be positive (got {truth.Area}).");
        double sum = 0;
        int labelled = 0;
        for (int j = 0; j < joints; j++)
        {
            if (truth.Visibility[j] <= 0)
                continue;
            labelled++;
            double dx = prediction.Joints[j].X - truth.Joints[j].X, dy = prediction.Joints[j].Y - truth.Joints[j].Y;
            double k = 2 * sigmas[j];
            sum += Math.Exp(-((dx * dx) + (dy * dy)) / (2 * truth.Area * k * k));
        }
        return labelled == 0 ? 0 : sum / labelled;
    }

    public static double At(IReadOnlyList<PoseResult> images, double oksThreshold, IReadOnlyList<double>? sigmas = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        int truthCount = images.Sum(i => i.Truths.Count(Counted));
        var ranked = images
            .SelectMany((image, index) => image.Predictions.Select(p => (Image: index, Prediction: p)))
            .OrderByDescending(x => x.Prediction.Score)
            .ToList();
        var taken = images.Select(i => new bool[i.Truths.Count]).ToList();
        var hits = new List<bool>(ranked.Count);
        foreach (var (imageIndex, prediction) in ranked)
        {
            var truths = images[imageIndex].Truths;
            int best = -1;
            double bestOks = oksThreshold;
            for (int t = 0; t < truths.Count; t++)
            {
                if (taken[imageIndex][t] || !Counted(truths[t]))
                    continue;
                double oks = Similarity(truths[t], prediction, sigmas);
                if (oks >= bestOks)
                {
                    best = t;
                    bestOks = oks;
                }
            }
            if (best >= 0)
                taken[imageIndex][best] = true;
            hits.Add(best >= 0);
        }
        return truthCount == 0 ? double.NaN : DetectionAveragePrecision.Interpolated(hits, truthCount);
    }

    /// <summary>COCO's keypoint AP (mean over OKS 0.50:0.05:0.95) and AP at OKS 0.5.</summary>
    public static (double Ap, double Ap50) Evaluate(IReadOnlyList<PoseResult> images, IReadOnlyList<double>? sigmas = null)
    {
        var thresholds = Enumerable.Range(0, 10).Select(i => 0.5 + (0.05 * i)).ToList();
        return (thresholds.Average(t => At(images, t, sigmas)), At(images, 0.5, sigmas));
    }

    private static bool Counted(PoseTruth truth) => truth.Visibility.Any(v => v > 0);
}
