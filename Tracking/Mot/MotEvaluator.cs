using UniHCP.Pipeline.Core.Algorithms;

namespace UniHCP.Pipeline.Tracking.Mot;

/// <summary>
/// Evaluates tracker results against MOTChallenge ground truth as the official evaluation does:
/// with MOT16/17 ground truth (a class column), tracker boxes matched to distractors (person on
/// vehicle, static person, distractor, reflection) are removed first, then only pedestrians with a
/// non-zero consider flag count; MOT15-style ground truth (no class) is used as it is. Then CLEAR
/// MOT (IoU 0.5, matches kept from the previous frame where possible), identity metrics (a global
/// one-to-one assignment of trajectories) and HOTA (19 IoU thresholds, alignment-weighted matching).
/// </summary>
public static class MotEvaluator
{
    private const double Threshold = 0.5;
    private const double Eps = 2.220446049250313e-16;
    private static readonly HashSet<int> s_distractors = [2, 7, 8, 12];

    public static MotMetrics Evaluate(IReadOnlyList<MotRow> groundTruth, IReadOnlyList<MotRow> results)
    {
        var frames = Preprocess(groundTruth, results);
        var gtIds = Index(frames.SelectMany(f => f.Gt.Select(r => r.Id)));
        var trIds = Index(frames.SelectMany(f => f.Tracker.Select(r => r.Id)));
        var similarities = frames.Select(f => Similarity(f.Gt, f.Tracker)).ToList();
        var metrics = Clear(frames, similarities, gtIds, trIds);
        metrics = Identity(frames, similarities, gtIds, trIds, metrics);
        return HotaMetrics(frames, similarities, gtIds, trIds, metrics);
    }

    private sealed record Frame(int Number, List<MotRow> Gt, List<MotRow> Tracker);

    private static List<Frame> Preprocess(IReadOnlyList<MotRow> groundTruth, IReadOnlyList<MotRow> results)
    {
        bool hasClasses = groundTruth.Any(r => r.Class >= 0);
        int last = Math.Max(groundTruth.Select(r => r.Frame).DefaultIfEmpty(0).Max(), results.Select(r => r.Frame).DefaultIfEmpty(0).Max());
        var gtByFrame = groundTruth.ToLookup(r => r.Frame);
        var trByFrame = results.ToLookup(r => r.Frame);
        var frames = new List<Frame>();
        for (int t = 1; t <= last; t++)
        {
            var gt = gtByFrame[t].ToList();
            var tracker = trByFrame[t].ToList();
            if (hasClasses && gt.Count > 0 && tracker.Count > 0)
            {
                var sim = Similarity(gt, tracker);
                var matching = new double[gt.Count, tracker.Count];
                for (int i = 0; i < gt.Count; i++)
                {
                    for (int j = 0; j < tracker.Count; j++)
                        matching[i, j] = sim[i, j] < Threshold - Eps ? 0 : sim[i, j];
                }
                var remove = new HashSet<int>();
                foreach (var (row, column) in MaximumAssignment(matching))
                {
                    if (matching[row, column] > Eps && s_distractors.Contains(gt[row].Class))
                        remove.Add(column);
                }
                tracker = tracker.Where((_, j) => !remove.Contains(j)).ToList();
            }
            if (hasClasses)
                gt = gt.Where(r => r.Confidence != 0 && r.Class == 1).ToList();
            else
                gt = gt.Where(r => r.Confidence != 0).ToList();
            frames.Add(new Frame(t, gt, tracker));
        }
        return frames;
    }

    private static MotMetrics Clear(List<Frame> frames, List<double[,]> similarities, Dictionary<int, int> gtIds, Dictionary<int, int> trIds)
    {
        int g = gtIds.Count;
        var previousTracker = Enumerable.Repeat(-1, g).ToArray();          // last tracker matched to each gt (ever)
        var previousStepTracker = Enumerable.Repeat(-1, g).ToArray();      // tracker matched in the previous frame
        var gtCount = new int[g];
        var gtMatched = new int[g];
        var fragCount = new int[g];
        int tp = 0, fn = 0, fp = 0, idsw = 0;
        double iouSum = 0;
        for (int f = 0; f < frames.Count; f++)
        {
            var frame = frames[f];
            var sim = similarities[f];
            int n = frame.Gt.Count, m = frame.Tracker.Count;
            var gtIndex = frame.Gt.Select(r => gtIds[r.Id]).ToArray();
            var trIndex = frame.Tracker.Select(r => trIds[r.Id]).ToArray();
            foreach (int gi in gtIndex)
                gtCount[gi]++;
            var matchedPairs = new List<(int Row, int Column)>();
            if (n > 0 && m > 0)
            {
                // Keeping the previous frame's match outranks any overlap; overlap ranks the rest.
                var score = new double[n, m];
                for (int i = 0; i < n; i++)
                {
                    for (int j = 0; j < m; j++)
                    {
                        double s = (previousStepTracker[gtIndex[i]] == trIndex[j] ? 1000 : 0) + sim[i, j];
                        score[i, j] = sim[i, j] < Threshold - Eps ? 0 : s;
                    }
                }
                matchedPairs = MaximumAssignment(score).Where(p => score[p.Row, p.Column] > Eps).ToList();
            }
            var currentStep = Enumerable.Repeat(-1, g).ToArray();
            foreach (var (row, column) in matchedPairs)
            {
                int gi = gtIndex[row], ti = trIndex[column];
                if (previousTracker[gi] >= 0 && previousTracker[gi] != ti)
                    idsw++;
                previousTracker[gi] = ti;
                gtMatched[gi]++;
                if (previousStepTracker[gi] < 0)
                    fragCount[gi]++;
                currentStep[gi] = ti;
                iouSum += sim[row, column];
            }
            previousStepTracker = currentStep;
            tp += matchedPairs.Count;
            fn += n - matchedPairs.Count;
            fp += m - matchedPairs.Count;
        }
        int mt = 0, pt = 0, ml = 0, frag = 0;
        for (int i = 0; i < g; i++)
        {
            if (gtCount[i] == 0)
                continue;
            double ratio = gtMatched[i] / (double)gtCount[i];
            if (ratio > 0.8)
                mt++;
            else if (ratio >= 0.2)
                pt++;
            else
                ml++;
            if (fragCount[i] > 0)
                frag += fragCount[i] - 1;
        }
        return new MotMetrics
        {
            Frames = frames.Count,
            GroundTruthTracks = gtCount.Count(c => c > 0),
            MostlyTracked = mt,
            PartlyTracked = pt,
            MostlyLost = ml,
            TruePositives = tp,
            FalsePositives = fp,
            FalseNegatives = fn,
            IdSwitches = idsw,
            Fragmentations = frag,
            MatchedIoUSum = iouSum,
        };
    }

    private static MotMetrics Identity(List<Frame> frames, List<double[,]> similarities, Dictionary<int, int> gtIds, Dictionary<int, int> trIds, MotMetrics metrics)
    {
        int g = gtIds.Count, k = trIds.Count;
        var potential = new double[g, k];
        var gtCount = new double[g];
        var trCount = new double[k];
        for (int f = 0; f < frames.Count; f++)
        {
            var frame = frames[f];
            var sim = similarities[f];
            var gtIndex = frame.Gt.Select(r => gtIds[r.Id]).ToArray();
            var trIndex = frame.Tracker.Select(r => trIds[r.Id]).ToArray();
            for (int i = 0; i < gtIndex.Length; i++)
            {
                for (int j = 0; j < trIndex.Length; j++)
                {
                    if (sim[i, j] >= Threshold - Eps)
                        potential[gtIndex[i], trIndex[j]] += 1;
                }
            }
            foreach (int gi in gtIndex)
                gtCount[gi]++;
            foreach (int ti in trIndex)
                trCount[ti]++;
        }
        if (g == 0 || k == 0)
        {
            return metrics with { IdTruePositives = 0, IdFalseNegatives = (int)gtCount.Sum(), IdFalsePositives = (int)trCount.Sum() };
        }
        // Square problem over (gt + tracker) x (tracker + gt): real pairs, or each side paired with a
        // "nobody" dummy at the cost of all its detections.
        int size = g + k;
        const double huge = 1e10;
        var fnMat = new double[size, size];
        var fpMat = new double[size, size];
        for (int r = g; r < size; r++)
        {
            for (int c = 0; c < k; c++)
                fpMat[r, c] = huge;
        }
        for (int r = 0; r < g; r++)
        {
            for (int c = k; c < size; c++)
                fnMat[r, c] = huge;
        }
        for (int i = 0; i < g; i++)
        {
            for (int c = 0; c < k; c++)
                fnMat[i, c] = gtCount[i];
            fnMat[i, k + i] = gtCount[i];
        }
        for (int j = 0; j < k; j++)
        {
            for (int r = 0; r < g; r++)
                fpMat[r, j] = trCount[j];
            fpMat[j + g, j] = trCount[j];
        }
        for (int i = 0; i < g; i++)
        {
            for (int j = 0; j < k; j++)
            {
                fnMat[i, j] -= potential[i, j];
                fpMat[i, j] -= potential[i, j];
            }
        }
        var cost = new double[size, size];
        for (int r = 0; r < size; r++)
        {
            for (int c = 0; c < size; c++)
                cost[r, c] = fnMat[r, c] + fpMat[r, c];
        }
        int[] assignment = LinearAssignment.Solve(cost);
        double idfn = 0, idfp = 0;
        for (int r = 0; r < size; r++)
        {
            idfn += fnMat[r, assignment[r]];
            idfp += fpMat[r, assignment[r]];
        }
        int idtp = (int)Math.Round(gtCount.Sum() - idfn);
        return metrics with { IdTruePositives = idtp, IdFalseNegatives = (int)Math.Round(idfn), IdFalsePositives = (int)Math.Round(idfp) };
    }

    private static MotMetrics HotaMetrics(List<Frame> frames, List<double[,]> similarities, Dictionary<int, int> gtIds, Dictionary<int, int> trIds, MotMetrics metrics)
    {
        double[] alphas = Enumerable.Range(1, 19).Select(i => i * 0.05).ToArray();
        int g = gtIds.Count, k = trIds.Count;
        var potential = new double[g, k];
        var gtCount = new double[g];
        var trCount = new double[k];
        for (int f = 0; f < frames.Count; f++)
        {
            var sim = similarities[f];
            var gtIndex = frames[f].Gt.Select(r => gtIds[r.Id]).ToArray();
            var trIndex = frames[f].Tracker.Select(r => trIds[r.Id]).ToArray();
            int n = gtIndex.Length, m = trIndex.Length;
            var rowSum = new double[n];
            var colSum = new double[m];
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < m; j++)
                {
                    rowSum[i] += sim[i, j];
                    colSum[j] += sim[i, j];
                }
            }
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < m; j++)
                {
                    double denominator = colSum[j] + rowSum[i] - sim[i, j];
                    if (denominator > Eps)
                        potential[gtIndex[i], trIndex[j]] += sim[i, j] / denominator;
                }
            }
            foreach (int gi in gtIndex)
                gtCount[gi]++;
            foreach (int ti in trIndex)
                trCount[ti]++;
        }
        var alignment = new double[g, k];
        for (int i = 0; i < g; i++)
        {
            for (int j = 0; j < k; j++)
                alignment[i, j] = potential[i, j] / (gtCount[i] + trCount[j] - potential[i, j]);
        }

        var tp = new double[alphas.Length];
        var fnA = new double[alphas.Length];
        var fpA = new double[alphas.Length];
        var loc = new double[alphas.Length];
        var matches = alphas.Select(_ => new double[g, k]).ToArray();
        for (int f = 0; f < frames.Count; f++)
        {
            var sim = similarities[f];
            var gtIndex = frames[f].Gt.Select(r => gtIds[r.Id]).ToArray();
            var trIndex = frames[f].Tracker.Select(r => trIds[r.Id]).ToArray();
            int n = gtIndex.Length, m = trIndex.Length;
            if (n == 0 || m == 0)
            {
                for (int a = 0; a < alphas.Length; a++)
                {
                    fnA[a] += n;
                    fpA[a] += m;
                }
                continue;
            }
            var score = new double[n, m];
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < m; j++)
                    score[i, j] = alignment[gtIndex[i], trIndex[j]] * sim[i, j];
            }
            var pairs = MaximumAssignment(score);
            for (int a = 0; a < alphas.Length; a++)
            {
                int count = 0;
                foreach (var (row, column) in pairs)
                {
                    if (sim[row, column] >= alphas[a] - Eps)
                    {
                        count++;
                        loc[a] += sim[row, column];
                        matches[a][gtIndex[row], trIndex[column]] += 1;
                    }
                }
                tp[a] += count;
                fnA[a] += n - count;
                fpA[a] += m - count;
            }
        }
        var hota = new double[alphas.Length];
        var detA = new double[alphas.Length];
        var assA = new double[alphas.Length];
        var locA = new double[alphas.Length];
        for (int a = 0; a < alphas.Length; a++)
        {
            double assSum = 0;
            for (int i = 0; i < g; i++)
            {
                for (int j = 0; j < k; j++)
                {
                    double mc = matches[a][i, j];
                    if (mc > 0)
                        assSum += mc * (mc / Math.Max(1, gtCount[i] + trCount[j] - mc));
                }
            }
            assA[a] = assSum / Math.Max(1, tp[a]);
            detA[a] = tp[a] / Math.Max(1, tp[a] + fnA[a] + fpA[a]);
            locA[a] = Math.Max(1e-10, loc[a]) / Math.Max(1e-10, tp[a]);
            hota[a] = Math.Sqrt(detA[a] * assA[a]);
        }
        return metrics with { HotaByAlpha = hota, DetAByAlpha = detA, AssAByAlpha = assA, LocAByAlpha = locA };
    }

    /// <summary>Pairs maximising the total score (the minimum assignment of the negated scores), any shape.</summary>
    private static List<(int Row, int Column)> MaximumAssignment(double[,] score)
    {
        int n = score.GetLength(0), m = score.GetLength(1);
        bool transpose = n > m;
        int rows = transpose ? m : n, columns = transpose ? n : m;
        var cost = new double[rows, columns];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < columns; j++)
                cost[i, j] = -(transpose ? score[j, i] : score[i, j]);
        }
        int[] assignment = LinearAssignment.Solve(cost);
        return assignment.Select((c, r) => transpose ? (c, r) : (r, c)).ToList();
    }

    private static double[,] Similarity(List<MotRow> gt, List<MotRow> tracker)
    {
        var sim = new double[gt.Count, tracker.Count];
        for (int i = 0; i < gt.Count; i++)
        {
            var a = gt[i].Box;
            for (int j = 0; j < tracker.Count; j++)
                sim[i, j] = a.IoU(tracker[j].Box);
        }
        return sim;
    }

    private static Dictionary<int, int> Index(IEnumerable<int> ids)
    {
        var index = new Dictionary<int, int>();
        foreach (int id in ids)
            index.TryAdd(id, index.Count);
        return index;
    }
}
