namespace UniHCP.Pipeline.Training.Evaluation;

/// <summary>Re-identification scores: mean average precision and the cumulative matching characteristic.</summary>
/// <param name="Cmc">Cmc[k - 1]: share of queries whose first correct match is within the top k.</param>
/// <param name="QueriesWithoutMatch">Queries left out because the gallery holds no valid match for them.</param>
public sealed record ReIdScores(double MeanAveragePrecision, IReadOnlyList<double> Cmc, int Queries, int QueriesWithoutMatch)
{
    public double Rank1 => Cmc[0];

    public double Rank5 => Cmc[Math.Min(4, Cmc.Count - 1)];
}

/// <summary>One image of a ReID split: its embedding, identity and camera.</summary>
public sealed record ReIdSample(IReadOnlyList<float> Embedding, int Identity, int Camera);

/// <summary>
/// The Market-1501 evaluation protocol: every query ranks the gallery by distance (cosine distance of the
/// embeddings); gallery images of the query's identity taken by the query's camera are removed, as are "junk"
/// images (identity -1); AP is the mean of the precision at each correct match (no interpolation); CMC counts the
/// rank of the first correct match. Queries with no correct match left are skipped (and counted).
/// </summary>
public static class ReIdMetrics
{
    public static ReIdScores Evaluate(IReadOnlyList<ReIdSample> queries, IReadOnlyList<ReIdSample> gallery, int maxRank = 10)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(gallery);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRank, 1);
        if (queries.Count == 0 || gallery.Count == 0)
            throw new ArgumentException($"ReID evaluation needs queries and a gallery; got {queries.Count} and {gallery.Count}.");
        int width = queries[0].Embedding.Count;
        var galleryUnit = gallery.Select((g, i) => Unit(g.Embedding, width, $"gallery image {i}")).ToList();
        var cmc = new double[maxRank];
        double apSum = 0;
        int evaluated = 0, withoutMatch = 0;
        for (int q = 0; q < queries.Count; q++)
        {
            var query = queries[q];
            var unit = Unit(query.Embedding, width, $"query {q}");
            var ranked = Enumerable.Range(0, gallery.Count)
                .Where(g => gallery[g].Identity != -1 && !(gallery[g].Identity == query.Identity && gallery[g].Camera == query.Camera))
                .Select(g => (Index: g, Distance: 1 - Dot(unit, galleryUnit[g])))
                .OrderBy(x => x.Distance).ThenBy(x => x.Index)
                .Select(x => gallery[x.Index].Identity == query.Identity)
                .ToList();
            int matches = ranked.Count(m => m);
            if (matches == 0)
            {
                withoutMatch++;
                continue;
            }
            evaluated++;
            int first = ranked.IndexOf(true);
            for (int k = first; k < maxRank; k++)
                cmc[k]++;
            double precisionSum = 0;
            int hits = 0;
            for (int i = 0; i < ranked.Count && hits < matches; i++)
            {
                if (!ranked[i])
                    continue;
                hits++;
                precisionSum += (double)hits / (i + 1);
            }
            apSum += precisionSum / matches;
        }
        if (evaluated == 0)
            return new ReIdScores(double.NaN, [.. cmc.Select(_ => double.NaN)], queries.Count, withoutMatch);
        return new ReIdScores(apSum / evaluated, [.. cmc.Select(c => c / evaluated)], queries.Count, withoutMatch);
    }

    private static float[] Unit(IReadOnlyList<float> embedding, int width, string what)
    {
        if (embedding.Count != width)
            throw new ArgumentException($"The embedding of {what} has {embedding.Count} values; the first query's has {width}.");
        double norm = Math.Sqrt(embedding.Sum(v => (double)v * v));
        if (!(norm > 0) || double.IsInfinity(norm))
            throw new ArgumentException($"The embedding of {what} is zero or not finite.");
        return [.. embedding.Select(v => (float)(v / norm))];
    }

    private static double Dot(float[] a, float[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
            sum += a[i] * b[i];
        return sum;
    }
}
