namespace UniHCP.Pipeline.Tracking.CrossCamera;

/// <summary>Cross-camera identity settings ("Tracking:Identities" section).</summary>
public sealed record IdentityOptions
{
    /// <summary>A track joins an identity when their appearance (cosine of L2-normalised ReID
    /// embeddings) is at least this similar.</summary>
    public double MinSimilarity { get; init; } = 0.75;

    /// <summary>Which cameras people walk between, with transit times. Empty: every pair of cameras is
    /// linked with <see cref="DefaultMinTransit"/> .. <see cref="DefaultMaxTransit"/>.</summary>
    public IReadOnlyList<CameraLink> Links { get; init; } = [];

    public TimeSpan DefaultMinTransit { get; init; } = TimeSpan.Zero;

    public TimeSpan DefaultMaxTransit { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>A track is linked only once it has been matched this many times (its appearance has settled).</summary>
    public int MinTrackHits { get; init; } = 3;

    /// <summary>Two identities are merged after their tracks have looked this alike ...</summary>
    public double MergeSimilarity { get; init; } = 0.85;

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
