namespace UniHCP.Pipeline.Training.Data;

/// <summary>The held-out split used where a dataset brings none: every fifth item, and at least one.</summary>
public static class HeldOut
{
    public static (List<T> Train, List<T> Validation) EveryFifth<T>(IReadOnlyList<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count < 2)
            throw new ArgumentException($"{items.Count} item(s): at least two are needed (one is held out).");
        bool IsHeldOut(int i) => i % 5 == 4 || (items.Count < 5 && i == items.Count - 1);
        return ([.. items.Where((_, i) => !IsHeldOut(i))], [.. items.Where((_, i) => IsHeldOut(i))]);
    }

    /// <summary>
    /// The ReID protocol's identity-disjoint split: every fifth identity is held out. Training identities are numbered
    /// 0..N-1; held-out crops are marked by time for <see cref="ReId.ReIdEvaluator"/> with split frame 1 - the first half
    /// of each held-out track is frame 0 (its middle view is the query), the second half frame 1 (the gallery).
    /// </summary>
    public static (List<IdentityCrop> Train, List<IdentityCrop> Validation) Identities(IReadOnlyList<IdentityCrop> crops)
    {
        var identities = crops.Select(c => c.Identity).Distinct().Order().ToList();
        var heldOut = identities.Where((_, i) => i % 5 == 4).ToHashSet();
        var renumber = identities.Where(i => !heldOut.Contains(i)).Select((id, index) => (id, index)).ToDictionary(p => p.id, p => p.index);
        var train = crops.Where(c => !heldOut.Contains(c.Identity)).Select(c => c with { Identity = renumber[c.Identity] }).ToList();
        var validation = crops.Where(c => heldOut.Contains(c.Identity)).GroupBy(c => c.Identity).SelectMany(track =>
        {
            var ordered = track.OrderBy(c => c.Frame).ToList();
            return ordered.Select((c, k) => c with { Frame = k < ordered.Count / 2 ? 0 : 1 });
        }).ToList();
        return (train, validation);
    }
}
