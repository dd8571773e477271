namespace UniHCP.Pipeline.Tracking.CrossCamera;

/// <summary>Cross-camera identity settings ("Tracking:Identities" section).</summary>
public sealed record IdentityOptions
{
    /// <summary>A track joins an identity when their appearance (cosine of L2-normalised ReID embeddings) is at least
    /// this similar. Null (the default): learned from the cameras (<see cref="FalseJoinRate"/>).</summary>
    public double? MinSimilarity { get; init; }

    /// <summary>With a learned <see cref="MinSimilarity"/>: the chance that a newcomer joins one of the identities it is
    /// compared with although it is none of them. The threshold is the quantile of the similarities between tracks seen
    /// together on one camera (different people for certain) that one in (candidates / rate) such pairs exceeds - the
    /// more identities a track could be, the higher. Default 0.05.</summary>
    public double FalseJoinRate { get; init; } = 0.05;

    /// <summary>With learned thresholds: distinct pairs of tracks seen together (any camera) before identities are given;
    /// until then tracks wait for one. Default 200.</summary>
    public int CalibrationPairs { get; init; } = 200;

    /// <summary>With learned thresholds, when every camera's input has ended (recorded files) before
    /// <see cref="CalibrationPairs"/> pairs were seen: learn them from the pairs there are if at least this many, and
    /// give the tracks that waited their identities, rather than none at all (a short or quiet recording). Rougher
    /// thresholds from fewer pairs, so the log says how many. 0: never. Default 50.</summary>
    public int EndOfInputPairs { get; init; } = 50;

    /// <summary>With learned thresholds: keep each camera's pairs of people seen together in the store between runs (per
    /// camera and weights version), so that a restart gives identities from its first settled track instead of waiting
    /// for <see cref="CalibrationPairs"/> new pairs, and a quiet camera gathers them over several runs. Default on.</summary>
    public bool RememberPairs { get; init; } = true;

    /// <summary>Which cameras people walk between, with transit times. Empty: every pair of cameras is
    /// linked with <see cref="DefaultMinTransit"/> .. <see cref="DefaultMaxTransit"/>.</summary>
    public IReadOnlyList<CameraLink> Links { get; init; } = [];

    public TimeSpan DefaultMinTransit { get; init; } = TimeSpan.Zero;

    public TimeSpan DefaultMaxTransit { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>A track is linked only once it has been matched this many times (its appearance has settled).</summary>
    public int MinTrackHits { get; init; } = 3;

    /// <summary>Two identities are merged after their tracks have looked this alike ... Null (the default): learned as for
    /// <see cref="MinSimilarity"/>, with <see cref="FalseMergeRate"/> (never below the join threshold).</summary>
    public double? MergeSimilarity { get; init; }

    /// <summary>With a learned <see cref="MergeSimilarity"/>: as <see cref="FalseJoinRate"/>, for one piece of merge
    /// evidence. Default 0.01.</summary>
    public double FalseMergeRate { get; init; } = 0.01;

    /// <summary>... on this many separate observations.</summary>
    public int MergeEvidence { get; init; } = 3;

    /// <summary>Identities unseen for longer are no longer candidates (memory stays bounded).</summary>
    public TimeSpan Retention { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Weight of the past in a track's running appearance average (the tracker's EmbeddingMomentum default). Default 0.9.</summary>
    public double AppearanceMomentum { get; init; } = 0.9;

    public void Validate()
    {
        if (MinSimilarity is < -1 or > 1 || MergeSimilarity is < -1 or > 1 || MergeSimilarity < MinSimilarity)
            throw new ArgumentException($"Identities: similarities must be in [-1, 1] with MergeSimilarity ({MergeSimilarity}) >= MinSimilarity ({MinSimilarity}).");
        if (!(FalseJoinRate is > 0 and < 1) || !(FalseMergeRate is > 0 and < 1) || CalibrationPairs is < 1 or > 100_000)
            throw new ArgumentException($"Identities: need FalseJoinRate ({FalseJoinRate}) and FalseMergeRate ({FalseMergeRate}) in (0, 1) and CalibrationPairs 1-100000 (got {CalibrationPairs}).");
        if (EndOfInputPairs is < 0 or > 100_000)
            throw new ArgumentException($"Identities: EndOfInputPairs must be 0 (never) to 100000 (got {EndOfInputPairs}).");
        if (MinTrackHits < 1 || MergeEvidence < 1 || Retention <= TimeSpan.Zero || DefaultMinTransit < TimeSpan.Zero || DefaultMaxTransit < DefaultMinTransit)
            throw new ArgumentException("Identities: MinTrackHits and MergeEvidence >= 1, Retention > 0, 0 <= DefaultMinTransit <= DefaultMaxTransit.");
        if (AppearanceMomentum is < 0 or >= 1)
            throw new ArgumentException($"Identities: AppearanceMomentum must be in [0, 1) (got {AppearanceMomentum}).");
        foreach (var link in Links)
        {
            if (link.MinTransit < TimeSpan.Zero || link.MaxTransit < link.MinTransit || string.IsNullOrEmpty(link.From) || string.IsNullOrEmpty(link.To))
                throw new ArgumentException($"Identities: link {link.From} -> {link.To} needs both cameras and 0 <= MinTransit <= MaxTransit.");
        }
    }
}
