namespace UniHCP.Pipeline.Training;

/// <summary>
/// The provenance a fine-tuning run starts from: the source weights' own training record (steps, options, wall
/// time) describes an earlier run, so it moves under "earlier.&lt;source version&gt;." (its metrics stay in
/// training.metrics, which the new run merges into). A source version that already has such a record - two runs of
/// one version in a chain - gets "earlier.&lt;version&gt;.2.", ".3." and so on, so no record is lost or refused.
/// </summary>
public static class ProvenanceHistory
{
    public static Dictionary<string, string> Archive(IReadOnlyDictionary<string, string> provenance, string sourceVersion)
    {
        ArgumentNullException.ThrowIfNull(provenance);
        static bool IsRecord(string key) => key.StartsWith("training.", StringComparison.Ordinal) && key != "training.metrics";
        string prefix = $"earlier.{sourceVersion}.";
        for (int n = 2; provenance.Keys.Any(k => IsRecord(k) && provenance.ContainsKey(prefix + k)); n++)
            prefix = $"earlier.{sourceVersion}.{n}.";
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in provenance)
            result[IsRecord(key) ? prefix + key : key] = value;
        return result;
    }
}
