using System.Globalization;
using System.Text;
using UniHCP.Pipeline.Tracking.Mot;

namespace UniHCP.Pipeline.Benchmarks;

/// <summary>
/// Our tracker (motion only) against the IoU-greedy baseline on the MOT17 training sequences'
/// public detections that ../shared/data holds: MOTA, IDF1, HOTA per sequence and overall, and
/// frames per second of tracking alone (one thread, the sequences' own detection density).
/// </summary>
internal static class TrackingBenchmark
{
    public static Task<BenchmarkReport> RunAsync(BenchmarkSettings settings)
    {
        var sequences = DevSequences();
        var report = new BenchmarkReport(
            "Tracking: MOT17 public detections (FRCNN), motion only",
            "Sequences MOT17-02, -05, -09 (train) of ../shared/data: ground truth and FRCNN detections (believed to be the public set; not verified). " +
            "Metrics as the official evaluation (TrackEval definitions, checked against the devkit's TUD numbers in our tests). " +
            "\"ours\" is the per-camera tracker without embeddings; \"IoU-greedy\" continues the previous frame's best-overlapping track or starts one.");
        var table = new StringBuilder();
        table.AppendLine("| sequence | tracker | HOTA | DetA | AssA | MOTA | IDF1 | IDs | FP | FN | frames/s (median) |");
        table.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
        var combined = new Dictionary<string, (List<MotRow> Gt, List<MotRow> Res)> { ["ours"] = ([], []), ["IoU-greedy"] = ([], []) };
        for (int s = 0; s < sequences.Count; s++)
        {
            var sequence = sequences[s];
            var gt = MotFile.Read(sequence.GroundTruthPath);
            foreach (var (name, run) in new (string, Func<MotSequence, MotTrackingResult>)[] { ("ours", q => MotTracking.Run(q)), ("IoU-greedy", MotTracking.RunBaseline) })
            {
                run(sequence); // warm-up
                var speeds = new List<double>();
                MotTrackingResult result = run(sequence);
                for (int r = 0; r < settings.Runs; r++)
                {
                    result = run(sequence);
                    speeds.Add(result.FramesPerSecond);
                }
                var m = MotEvaluator.Evaluate(gt, result.Rows);
                MotCombination.Append(combined[name].Gt, combined[name].Res, gt, result.Rows, s);
                table.AppendLine(Row(sequence.Name, name, m, speeds.Order().ElementAt(speeds.Count / 2)));
            }
        }
        foreach (var (name, (gt, res)) in combined)
            table.AppendLine(Row("OVERALL", name, MotEvaluator.Evaluate(gt, res), double.NaN));
        report.Note(table.ToString());
        return Task.FromResult(report);
    }

    /// <summary>The MOT17 sequences of ../shared/data (UNIHCP_SHARED_DATA, or found above the program).</summary>
    public static List<MotSequence> DevSequences()
    {
        string root = Environment.GetEnvironmentVariable("UNIHCP_SHARED_DATA") ?? FindShared();
        return new[] { "MOT17-02-FRCNN", "MOT17-05-FRCNN", "MOT17-09-FRCNN" }.Select(s => MotSequence.Open(Path.Combine(root, "mot17", s))).ToList();
    }

    private static string Row(string sequence, string tracker, MotMetrics m, double fps) => string.Create(CultureInfo.InvariantCulture,
        $"| {sequence} | {tracker} | {m.Hota * 100:0.0} | {m.DetA * 100:0.0} | {m.AssA * 100:0.0} | {m.Mota * 100:0.0} | {m.Idf1 * 100:0.0} | {m.IdSwitches} | {m.FalsePositives} | {m.FalseNegatives} | {(double.IsNaN(fps) ? "" : fps.ToString("0", CultureInfo.InvariantCulture))} |");

    private static string FindShared()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "data");
            if (Directory.Exists(candidate))
                return candidate;
        }
        throw new DirectoryNotFoundException("../shared/data not found; set UNIHCP_SHARED_DATA.");
    }
}
