using System.Globalization;
using System.Text;
using UniHCP.Pipeline.Tracking.Mot;
using UniHCP.Pipeline.Tracking.PerCamera;

namespace UniHCP.Pipeline.Benchmarks;

/// <summary>
/// Joint random search of the tracker's settings on the MOT17 dev sequences, scored the honest way: for each
/// sequence, the settings best on the other two (mean HOTA) are scored on it (leave one sequence out). One-at-a-time
/// steps around the defaults cannot find a combination that only pays together; a search scored on the sequences
/// it chose from would report its own luck.
/// </summary>
internal static class TrackingSearchBenchmark
{
    private sealed record Candidate(string Name, TrackerOptions Tracker, MotOutputOptions Output);

    public static Task<BenchmarkReport> RunAsync(BenchmarkSettings settings)
    {
        var sequences = TrackingBenchmark.DevSequences();
        var truths = sequences.Select(s => MotFile.Read(s.GroundTruthPath)).ToList();
        int count = settings.Runs * 100;
        var random = new Random(20261206);
        var candidates = new List<Candidate> { new("defaults", MotTracking.MotDefaults, new MotOutputOptions()) };
        for (int i = 1; i < count; i++)
            candidates.Add(Draw(random, i));
        var scores = new double[candidates.Count, sequences.Count];
        for (int c = 0; c < candidates.Count; c++)
        {
            for (int s = 0; s < sequences.Count; s++)
            {
                var result = MotTracking.Run(sequences[s], candidates[c].Tracker, candidates[c].Output);
                scores[c, s] = MotEvaluator.Evaluate(truths[s], result.Rows).Hota;
            }
            if ((c + 1) % 100 == 0)
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{c + 1} of {candidates.Count} settings tried"));
        }
        var report = new BenchmarkReport("Tracking: joint settings search, leave one sequence out",
            string.Create(CultureInfo.InvariantCulture, $"MOT17-02, -05, -09 (FRCNN), motion only. The defaults (MotTracking.MotDefaults, MotOutputOptions) and {candidates.Count - 1} settings drawn at random (seed 20261206) over score limits, match limits, confirmation, lost memory, OC-SORT's options and the written predictions. ") +
            "For each sequence, the settings with the best mean HOTA on the other two are scored on it; then the settings best on all three (chosen and scored on the same sequences: optimistic).");
        var table = new StringBuilder();
        table.AppendLine("| left out | defaults (HOTA) | chosen on the others (HOTA) | chosen settings |");
        table.AppendLine("|---|---|---|---|");
        for (int s = 0; s < sequences.Count; s++)
        {
            int best = Enumerable.Range(0, candidates.Count)
                .MaxBy(c => Enumerable.Range(0, sequences.Count).Where(o => o != s).Average(o => scores[c, o]));
            table.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {sequences[s].Name} | {scores[0, s] * 100:0.0} | {scores[best, s] * 100:0.0} | {Describe(candidates[best])} |"));
        }
        var ranked = Enumerable.Range(0, candidates.Count).OrderByDescending(c => Enumerable.Range(0, sequences.Count).Average(o => scores[c, o])).Take(10);
        foreach (int c in ranked)
        {
            table.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| best on all (-02 / -05 / -09) | {scores[c, 0] * 100:0.0} / {scores[c, 1] * 100:0.0} / {scores[c, 2] * 100:0.0} | | {Describe(candidates[c])} |"));
        }
        report.Note(table.ToString());
        return Task.FromResult(report);
    }

    private static Candidate Draw(Random r, int index)
    {
        float high = (float)Uniform(r, 0.4, 0.8);
        var tracker = new TrackerOptions
        {
            HighScore = high,
            LowScore = (float)Uniform(r, 0.05, Math.Min(0.4, high)),
            NewTrackScore = (float)Uniform(r, high, 0.9),
            FirstMatchMaxCost = Uniform(r, 0.6, 0.95),
            SecondMatchMaxCost = Uniform(r, 0.3, 0.8),
            TentativeMatchMaxCost = Uniform(r, 0.5, 0.9),
            ConfirmHits = r.Next(1, 5),
            LostTimeout = TimeSpan.FromSeconds(Uniform(r, 1, 5)),
            FuseScore = r.NextDouble() < 0.7,
            ObservationReupdate = r.NextDouble() < 0.3,
            DirectionWeight = r.NextDouble() < 0.3 ? Uniform(r, 0.05, 0.4) : 0,
            ObservationRecovery = r.NextDouble() < 0.2,
        };
        var output = new MotOutputOptions
        {
            PredictedFor = TimeSpan.FromSeconds(Uniform(r, 0, 2)),
            PredictedMinCover = Uniform(r, 0, 0.5),
            Tentative = r.NextDouble() < 0.8,
        };
        return new Candidate($"#{index}", tracker, output);
    }

    private static double Uniform(Random r, double low, double high) => low + (r.NextDouble() * (high - low));

    private static string Describe(Candidate c) => string.Create(CultureInfo.InvariantCulture,
        $"{c.Name} high {c.Tracker.HighScore:0.00} low {c.Tracker.LowScore:0.00} new {c.Tracker.NewTrackScore:0.00} first {c.Tracker.FirstMatchMaxCost:0.00} second {c.Tracker.SecondMatchMaxCost:0.00} tent {c.Tracker.TentativeMatchMaxCost:0.00} confirm {c.Tracker.ConfirmHits} lost {c.Tracker.LostTimeout.TotalSeconds:0.0}s fuse {c.Tracker.FuseScore} reupd {c.Tracker.ObservationReupdate} dir {c.Tracker.DirectionWeight:0.00} recov {c.Tracker.ObservationRecovery} pred {c.Output.PredictedFor.TotalSeconds:0.00}s cover {c.Output.PredictedMinCover:0.00} tentOut {c.Output.Tentative}");
}
