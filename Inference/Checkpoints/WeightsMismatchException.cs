namespace UniHCP.Pipeline.Inference.Checkpoints;

/// <summary>Weights do not fit the model: the message names the missing, unexpected and mis-shaped keys.</summary>
public sealed class WeightsMismatchException : Exception
{
    private const int MaxListed = 15;

    public WeightsMismatchException(string source, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<string> misshaped)
        : base(Describe(source, missing, unexpected, misshaped))
    {
        Missing = missing;
        Unexpected = unexpected;
        Misshaped = misshaped;
    }

    public IReadOnlyList<string> Missing { get; }

    public IReadOnlyList<string> Unexpected { get; }

    /// <summary>"key: file [a, b] vs model [c, d]".</summary>
    public IReadOnlyList<string> Misshaped { get; }

    private static string Describe(string source, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<string> misshaped)
    {
        var parts = new List<string>();
        if (missing.Count > 0)
            parts.Add($"{missing.Count} missing ({List(missing)})");
        if (unexpected.Count > 0)
            parts.Add($"{unexpected.Count} unexpected ({List(unexpected)})");
        if (misshaped.Count > 0)
            parts.Add($"{misshaped.Count} with the wrong shape ({List(misshaped)})");
        return $"Weights from '{source}' do not fit the model: {string.Join("; ", parts)}.";
    }

    private static string List(IReadOnlyList<string> names) =>
        string.Join(", ", names.Take(MaxListed)) + (names.Count > MaxListed ? $", ... {names.Count - MaxListed} more" : string.Empty);
}
