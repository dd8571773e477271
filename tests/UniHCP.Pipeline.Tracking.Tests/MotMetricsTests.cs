using UniHCP.Pipeline.Tracking.Mot;

namespace UniHCP.Pipeline.Tracking.Tests;

public sealed class MotMetricsTests
{
    // The official devkit's numbers for the TUD sequences (py-motmetrics' README, in ../shared/data).
    [SharedDataTheory]
    [InlineData("TUD-Campus", 55.8, 73.0, 45.1, 58.2, 94.1, 0.18, 8, 1, 6, 1, 13, 150, 7, 7, 52.6, 72.3, 54.3)]
    [InlineData("TUD-Stadtmitte", 64.5, 82.0, 53.1, 60.9, 94.0, 0.25, 10, 5, 4, 1, 45, 452, 7, 6, 56.4, 65.4, 56.9)]
    public void The_tud_sequences_give_the_official_devkit_numbers(string sequence, double idf1, double idp, double idr, double recall, double precision, double far,
        int gt, int mt, int pt, int ml, int fp, int fn, int ids, int fm, double mota, double motp, double motal)
    {
        string dir = Path.Combine(SharedData.Root!, "mot-metrics-tud", sequence);

        var m = MotEvaluator.Evaluate(MotFile.Read(Path.Combine(dir, "gt.txt")), MotFile.Read(Path.Combine(dir, "test.txt")));

        Assert.Equal((gt, mt, pt, ml), (m.GroundTruthTracks, m.MostlyTracked, m.PartlyTracked, m.MostlyLost));
        Assert.Equal((fp, fn, ids, fm), (m.FalsePositives, m.FalseNegatives, m.IdSwitches, m.Fragmentations));
        Assert.Equal(idf1, m.Idf1 * 100, 1);
        Assert.Equal(idp, m.Idp * 100, 1);
        Assert.Equal(idr, m.Idr * 100, 1);
        Assert.Equal(recall, m.Recall * 100, 1);
        Assert.Equal(precision, m.Precision * 100, 1);
        Assert.Equal(far, m.FalseAlarmsPerFrame, 2);
        Assert.Equal(mota, m.Mota * 100, 1);
        Assert.Equal(motp, m.Motp * 100, 1);
        Assert.Equal(motal, m.Motal * 100, 1);
    }
}

public sealed class MotMetricsEdgeCaseTests
{
    private static List<MotRow> Walk(int id, int frames, float x0, float dx, int firstFrame = 1) =>
        Enumerable.Range(0, frames).Select(i => new MotRow(firstFrame + i, id, x0 + (dx * i), 100, 40, 100, 1)).ToList();

    [Fact]
    public void Perfect_tracking_scores_one_everywhere()
    {
        var gt = Walk(1, 10, 0, 5).Concat(Walk(2, 10, 300, -5)).ToList();

        var m = MotEvaluator.Evaluate(gt, gt);

        Assert.Equal((1.0, 1.0, 1.0), (m.Mota, m.Idf1, m.Motp));
        Assert.Equal(1.0, m.Hota, 9);
        Assert.Equal((0, 0, 0, 2), (m.FalsePositives, m.FalseNegatives, m.IdSwitches, m.MostlyTracked));
    }

    [Fact]
    public void Nothing_tracked_is_all_misses()
    {
        var gt = Walk(1, 10, 0, 5);

        var m = MotEvaluator.Evaluate(gt, []);

        Assert.Equal((0, 10, 1), (m.TruePositives, m.FalseNegatives, m.MostlyLost));
        Assert.Equal((0.0, 0.0, 0.0), (m.Mota, m.Idf1, m.Hota));
    }

    [Fact]
    public void Empty_frames_count_as_frames_and_a_gap_in_the_truth_is_a_fragment_as_in_trackeval()
    {
        var gt = Walk(1, 5, 0, 5).Concat(Walk(1, 5, 100, 5, firstFrame: 20)).ToList();

        var m = MotEvaluator.Evaluate(gt, gt);

        Assert.Equal(24, m.Frames);
        Assert.Equal((1.0, 1.0, 0), (m.Mota, m.Idf1, m.IdSwitches));
        // TrackEval counts each time a trajectory becomes tracked again, also after a gap in the truth.
        Assert.Equal(1, m.Fragmentations);
    }

    [Fact]
    public void An_identity_swap_costs_two_switches_half_the_idf1_and_a_third_of_the_association()
    {
        var a = Walk(1, 10, 0, 5);
        var b = Walk(2, 10, 300, 5);
        // The tracker follows both perfectly but exchanges their ids from the sixth frame.
        var swapped = a.Select(r => r with { Id = r.Frame <= 5 ? 11 : 12 })
            .Concat(b.Select(r => r with { Id = r.Frame <= 5 ? 12 : 11 })).ToList();

        var m = MotEvaluator.Evaluate(a.Concat(b).ToList(), swapped);

        Assert.Equal(2, m.IdSwitches);
        Assert.Equal(0.9, m.Mota, 9);
        Assert.Equal(0.5, m.Idf1, 9);
        Assert.Equal(1.0, m.DetA, 9);
        Assert.Equal(1.0 / 3, m.AssA, 9);
        Assert.Equal(Math.Sqrt(1.0 / 3), m.Hota, 9);
    }

    [Fact]
    public void Distractors_and_ignored_truth_are_handled_as_the_official_evaluation()
    {
        // MOT17-style truth: a pedestrian, a static person (class 7) and a pedestrian flagged 0 (ignore).
        var gt = new List<MotRow>
        {
            new(1, 1, 0, 0, 50, 100, 1, 1, 1),
            new(1, 2, 200, 0, 50, 100, 1, 7, 1),
            new(1, 3, 400, 0, 50, 100, 0, 1, 1),
        };
        var results = new List<MotRow>
        {
            new(1, 1, 0, 0, 50, 100, 1),
            new(1, 2, 200, 0, 50, 100, 1),   // on the distractor: removed, not a false positive
            new(1, 3, 400, 0, 50, 100, 1),   // on ignored truth: a false positive, as in TrackEval
        };

        var m = MotEvaluator.Evaluate(gt, results);

        Assert.Equal((1, 1, 0), (m.TruePositives, m.FalsePositives, m.FalseNegatives));
    }

    [Fact]
    public void Malformed_files_are_refused_with_file_and_line()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(path, ["1,1,10,10,5,5,1", "2,1,ten,10,5,5,1"]);
            var error = Assert.Throws<FormatException>(() => MotFile.Read(path));
            Assert.Contains($"{path}:2: value 3 'ten' is not a number", error.Message, StringComparison.Ordinal);
            File.WriteAllLines(path, ["0,1,10,10,5,5,1"]);
            Assert.Contains("frame '0'", Assert.Throws<FormatException>(() => MotFile.Read(path)).Message, StringComparison.Ordinal);
            File.WriteAllLines(path, ["1,1,10,10"]);
            Assert.Contains("at least 6", Assert.Throws<FormatException>(() => MotFile.Read(path)).Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
