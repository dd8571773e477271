using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Training.Evaluation;

namespace UniHCP.Pipeline.Training.Tests;

/// <summary>Detection AP (COCO's 101-point interpolation) against cases computed by hand.</summary>
public sealed class AveragePrecisionTests
{
    private static readonly BoundingBox A = new(0, 0, 10, 20);
    private static readonly BoundingBox B = new(50, 0, 60, 20);

    [Fact]
    public void Every_person_found_and_nothing_else_is_an_ap_of_one()
    {
        var image = new DetectionResult([A, B], [], [new(A, 0.9f), new(B, 0.8f)]);

        Assert.Equal(1.0, DetectionAveragePrecision.At([image], 0.5), 9);
        Assert.Equal(1.0, DetectionAveragePrecision.Coco([image]), 9);
    }

    [Fact]
    public void A_false_positive_ranked_between_two_hits_gives_the_hand_computed_value()
    {
        // Ranked: hit (P 1, R 0.5), miss (P 0.5, R 0.5), hit (P 2/3, R 1). Interpolated precision is 1 for the 51
        // recall points 0.00-0.50 and 2/3 for the 50 points 0.51-1.00: (51 + 50 * 2/3) / 101.
        var image = new DetectionResult([A, B], [], [new(A, 0.9f), new(new BoundingBox(100, 100, 110, 120), 0.8f), new(B, 0.7f)]);

        Assert.Equal((51 + (50 * 2.0 / 3)) / 101, DetectionAveragePrecision.At([image], 0.5), 9);
    }

    [Fact]
    public void A_detection_in_an_ignore_region_is_neither_hit_nor_miss_and_a_loose_box_counts_only_at_low_iou()
    {
        var crowd = new BoundingBox(200, 200, 300, 300);
        var image = new DetectionResult([A], [crowd], [new(new BoundingBox(210, 210, 240, 260), 0.95f), new(A, 0.5f)]);
        Assert.Equal(1.0, DetectionAveragePrecision.At([image], 0.5), 9);

        var loose = new DetectionResult([A], [], [new(new BoundingBox(0, 0, 10, 30), 0.9f)]); // IoU 200/300 = 0.67
        Assert.Equal(1.0, DetectionAveragePrecision.At([loose], 0.5), 9);
        Assert.Equal(0.0, DetectionAveragePrecision.At([loose], 0.75), 9);
    }

    [Fact]
    public void Images_without_people_make_ap_undefined_rather_than_zero()
    {
        Assert.True(double.IsNaN(DetectionAveragePrecision.At([new DetectionResult([], [], [new(A, 0.9f)])], 0.5)));
    }

    [Fact]
    public void The_best_f1_threshold_is_the_score_where_precision_and_recall_balance_best()
    {
        // Ranked: hit 0.9 (P 1, R 1/3, F1 0.5), miss 0.8 (P 1/2, R 1/3, F1 0.4), hit 0.7 (P 2/3, R 2/3, F1 2/3),
        // miss 0.6 (P 1/2, R 2/3, F1 4/7): best at 0.7.
        var c = new BoundingBox(100, 0, 110, 20);
        var image = new DetectionResult([A, B, c], [],
            [new(A, 0.9f), new(new BoundingBox(200, 200, 210, 220), 0.8f), new(B, 0.7f), new(new BoundingBox(300, 300, 310, 320), 0.6f)]);

        var (threshold, precision, recall, f1) = DetectionAveragePrecision.BestF1([image]);

        Assert.Equal(0.7f, threshold);
        Assert.Equal(2.0 / 3, precision, 9);
        Assert.Equal(2.0 / 3, recall, 9);
        Assert.Equal(2.0 / 3, f1, 9);
    }

    [Fact]
    public void The_log_average_miss_rate_reads_the_miss_rate_at_nine_fppi_points()
    {
        // Two images, four people. Ranked: hit 0.9, miss 0.8, hit 0.7, miss 0.6, miss 0.5, miss 0.4:
        // FPPI 0, .5, .5, 1, 1.5, 2; miss rate .75, .75, .5, .5, .5, .5. The seven points 10^-2 .. 10^-0.5 (all below
        // FPPI 0.5) read rank 1 (0.75); 10^-0.25 = 0.56 reads rank 3 (0.5), 10^0 reads rank 4 (0.5).
        BoundingBox C = new(100, 0, 110, 20), D = new(150, 0, 160, 20);
        BoundingBox Far(int k) => new(300 + (20 * k), 300, 310 + (20 * k), 320);
        var first = new DetectionResult([A, B], [], [new(A, 0.9f), new(Far(0), 0.8f), new(Far(1), 0.5f)]);
        var second = new DetectionResult([C, D], [], [new(C, 0.7f), new(Far(2), 0.6f), new(Far(3), 0.4f)]);

        double expected = Math.Exp(((7 * Math.Log(0.75)) + (2 * Math.Log(0.5))) / 9);
        Assert.Equal(expected, DetectionAveragePrecision.LogAverageMissRate([first, second]), 9);
    }

    [Fact]
    public void The_miss_rate_is_one_when_nobody_is_found_and_near_zero_when_everybody_is_without_false_positives()
    {
        var missed = new DetectionResult([A, B], [], [new(new BoundingBox(300, 300, 310, 320), 0.9f)]);
        var perfect = new DetectionResult([A, B], [], [new(A, 0.9f), new(B, 0.8f)]);

        Assert.Equal(1.0, DetectionAveragePrecision.LogAverageMissRate([missed]), 9);
        Assert.True(DetectionAveragePrecision.LogAverageMissRate([perfect]) < 1e-9);
        Assert.True(double.IsNaN(DetectionAveragePrecision.LogAverageMissRate([new DetectionResult([], [], [])])));
    }
}
