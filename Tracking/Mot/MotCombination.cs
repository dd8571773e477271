namespace UniHCP.Pipeline.Tracking.Mot;

/// <summary>
/// Combines sequences for overall metrics as the official evaluation does (counts summed, HOTA's
/// association weighted by matches): each sequence's frames and ids are offset so that they stay
/// apart, and the concatenation is evaluated once.
/// </summary>
public static class MotCombination
{
    private const int IdStride = 10_000_000;

    public static void Append(List<MotRow> allTruth, List<MotRow> allResults, IReadOnlyList<MotRow> truth, IReadOnlyList<MotRow> results, int sequenceIndex)
    {
        int frameOffset = Math.Max(allTruth.Select(r => r.Frame).DefaultIfEmpty(0).Max(), allResults.Select(r => r.Frame).DefaultIfEmpty(0).Max());
        int idOffset = (sequenceIndex + 1) * IdStride;
        allTruth.AddRange(truth.Select(r => r with { Frame = r.Frame + frameOffset, Id = r.Id + idOffset }));
        allResults.AddRange(results.Select(r => r with { Frame = r.Frame + frameOffset, Id = r.Id + idOffset }));
    }
}
