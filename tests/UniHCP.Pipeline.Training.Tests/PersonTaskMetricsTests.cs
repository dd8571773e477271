using UniHCP.Pipeline.Training.Evaluation;

namespace UniHCP.Pipeline.Training.Tests;

/// <summary>The attribute, ReID, parsing and pose metrics on small cases computed by hand (in the comments).</summary>
public sealed class PersonTaskMetricsTests
{
    [Fact]
    public void Attribute_mean_accuracy_and_instance_scores_match_the_hand_computation()
    {
        // Predicted (>= 0.5): sample 0 {a0, a1} (a2 unknown), sample 1 {a2}. Truth: sample 0 {a0}, sample 1 {a1, a2}.
        // a0: TPR 1, TNR 1 -> 1; a1: TPR 0, TNR 0 -> 0; a2 has no negative label -> not scored. mA = 0.5.
        // Sample 0: n 1, u 2, |pred| 2, |truth| 1 -> acc .5, P .5, R 1; sample 1: n 1, u 2, |pred| 1, |truth| 2 -> acc .5, P 1, R .5.
        var scores = AttributeMetrics.Evaluate(
            [[0.9f, 0.6f, 0.9f], [0.2f, 0.4f, 0.7f]],
            [[1, 0, -1], [0, 1, 1]]);

        Assert.Equal(0.5, scores.MeanAccuracy, 9);
        Assert.Equal(2, scores.AttributesScored);
        Assert.Equal(0.5, scores.Accuracy, 9);
        Assert.Equal(0.75, scores.Precision, 9);
        Assert.Equal(0.75, scores.Recall, 9);
        Assert.Equal(0.75, scores.F1, 9);
    }

    [Fact]
    public void Attribute_metrics_reject_rows_of_the_wrong_length_and_bad_labels()
    {
        Assert.Throws<ArgumentException>(() => AttributeMetrics.Evaluate([[0.1f, 0.2f]], [[1, 0, 1]]));
        Assert.Throws<ArgumentException>(() => AttributeMetrics.Evaluate([[0.1f]], [[2]]));
    }

    [Fact]
    public void Reid_map_and_cmc_follow_the_market_protocol()
    {
        // Query identity 1, camera 0, along (1, 0). The same-camera image of identity 1 and the junk image (-1) are removed;
        // cosine ranking: identity 2 (0.994), identity 1 (0.8), identity 1 (0), identity 3 (-1) -> hits at ranks 2 and 3,
        // AP = (1/2 + 2/3) / 2; first hit at rank 2. The second query's identity is not in the gallery: skipped.
        ReIdSample[] gallery =
        [
            new([1f, 0f], 1, 0), new([0.9f, 0.1f], 2, 1), new([0.8f, 0.6f], 1, 1),
            new([1f, 0f], -1, 1), new([0f, 1f], 1, 2), new([-1f, 0f], 3, 1),
        ];
        ReIdSample[] queries = [new([1f, 0f], 1, 0), new([0f, 1f], 4, 0)];

        var scores = ReIdMetrics.Evaluate(queries, gallery, maxRank: 5);

        Assert.Equal(((1.0 / 2) + (2.0 / 3)) / 2, scores.MeanAveragePrecision, 9);
        Assert.Equal(0, scores.Rank1);
        Assert.Equal(1, scores.Cmc[1]);
        Assert.Equal(1, scores.Rank5);
        Assert.Equal(1, scores.QueriesWithoutMatch);
    }

    [Fact]
    public void Reid_metrics_reject_embeddings_of_different_widths()
    {
        Assert.Throws<ArgumentException>(() => ReIdMetrics.Evaluate([new([1f, 0f], 1, 0)], [new([1f, 0f, 0f], 1, 1)]));
    }

    [Fact]
    public void Parsing_accuracy_and_mean_iou_match_the_confusion_matrix_by_hand()
    {
        // Truth 0 0 1 1 2 (ignored), prediction 0 1 1 1 0 2: confusion (truth, predicted) (0,0) 1, (0,1) 1, (1,1) 2, (2,0) 1.
        // Pixel accuracy 3/5; IoU: class 0 1/3, class 1 2/3, class 2 0/1, class 3 absent (NaN, not averaged) -> mIoU 1/3;
        // class accuracies 1/2, 1, 0 -> 0.5.
        var metrics = new ParsingMetrics(4);
        metrics.Add([0, 0, 1, 1, 2, ParsingMetrics.IgnoreLabel], [0, 1, 1, 1, 0, 2]);

        var scores = metrics.Scores();

        Assert.Equal(0.6, scores.PixelAccuracy, 9);
        Assert.Equal(1.0 / 3, scores.MeanIoU, 9);
        Assert.Equal(0.5, scores.MeanAccuracy, 9);
        Assert.True(double.IsNaN(scores.ClassIoU[3]));
        Assert.Throws<ArgumentException>(() => metrics.Add([0, 5], [0, 0]));
    }

    [Fact]
    public void Pose_oks_ap_matches_the_hand_computation()
    {
        // Two joints, sigmas 0.05 and 0.1; the truth labels joint 0 only, area 100: 2 s^2 k^2 = 2 x 100 x 0.1^2 = 2, so
        // OKS = exp(-d^2 / 2). Prediction A (score 0.9) is off by (1, 1): OKS e^-1 = 0.368; B (0.8) by (0, 0.5): e^-0.125 = 0.882.
        // At OKS 0.5: A misses, B hits -> precision 0, 1/2 -> AP 0.5. At 0.3: A hits, B finds the truth taken -> AP 1.
        // Over 0.50:0.05:0.95: B hits up to 0.85 (8 thresholds, AP 0.5 each), none at 0.90 and 0.95 -> 0.4.
        // The second truth has no labelled joint: not counted.
        double[] sigmas = [0.05, 0.1];
        var truth = new PoseTruth([(0f, 0f), (10f, 0f)], [2, 0], 100);
        var unlabelled = new PoseTruth([(50f, 50f), (60f, 50f)], [0, 0], 100);
        var a = new PosePrediction([(1f, 1f), (30f, 30f)], 0.9f);
        var b = new PosePrediction([(0f, 0.5f), (10f, 0f)], 0.8f);
        PoseResult[] images = [new([truth, unlabelled], [a, b])];

        Assert.Equal(Math.Exp(-1), PoseAveragePrecision.Similarity(truth, a, sigmas), 9);
        Assert.Equal(0.5, PoseAveragePrecision.At(images, 0.5, sigmas), 9);
        Assert.Equal(1.0, PoseAveragePrecision.At(images, 0.3, sigmas), 9);
        var (ap, ap50) = PoseAveragePrecision.Evaluate(images, sigmas);
        Assert.Equal(0.4, ap, 9);
        Assert.Equal(0.5, ap50, 9);
    }
}
