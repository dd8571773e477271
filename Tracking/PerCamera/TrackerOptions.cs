namespace UniHCP.Pipeline.Tracking.PerCamera;

/// <summary>
/// Per-camera tracker settings ("Tracking:Camera" section). Defaults follow ByteTrack and BoT-SORT
/// where those are tuned; ages are times, so cameras at any frame rate behave alike.
/// </summary>
public sealed record TrackerOptions
{
    /// <summary>Detections at or above this score take part in the first association (and may start tracks).</summary>
    public float HighScore { get; init; } = 0.6f;

    /// <summary>Detections below this are discarded; between this and <see cref="HighScore"/> they can only
    /// continue an existing track (ByteTrack's second association: occluded people score low).</summary>
    public float LowScore { get; init; } = 0.1f;

    /// <summary>Minimum score of an unmatched detection to start a new track.</summary>
    public float NewTrackScore { get; init; } = 0.7f;

    /// <summary>Largest cost (1 - IoU, or the fused appearance cost) of a first-association match.</summary>
    public double FirstMatchMaxCost { get; init; } = 0.8;

    /// <summary>Largest cost (1 - IoU) of a second-association (low-score) match.</summary>
    public double SecondMatchMaxCost { get; init; } = 0.5;

    /// <summary>Largest cost of matching a tentative track.</summary>
    public double TentativeMatchMaxCost { get; init; } = 0.7;

    /// <summary>Matches a new track needs before it is reported as confirmed.</summary>
    public int ConfirmHits { get; init; } = 2;

    /// <summary>How long a lost track is kept to be found again before it is removed. Default 1 s.</summary>
    public TimeSpan LostTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Appearance may link a detection to a track when their embeddings' cosine distance
    /// (halved, 0..1) is at most this.</summary>
    public double AppearanceMaxDistance { get; init; } = 0.25;

    /// <summary>Gate for appearance on visible tracks: only where the box overlap distance (1 - IoU) is at most this.</summary>
    public double ProximityMaxIoUDistance { get; init; } = 0.5;

    /// <summary>Gate for appearance on lost tracks: the detection's centre may be at most this many box
    /// heights per second of absence (plus one height) from where the track was last seen.</summary>
    public double MaxSpeedHeightsPerSecond { get; init; } = 2.0;

    /// <summary>Weight of the track's appearance memory against a new embedding (exponential moving average).</summary>
    public double EmbeddingMomentum { get; init; } = 0.9;

    /// <summary>Scale box overlap by the detection score in the first association (ByteTrack's fuse_score).</summary>
    public bool FuseScore { get; init; } = true;

    /// <summary>Observation-centric re-update (OC-SORT): a track found again after missed frames re-runs its
    /// filter along a straight path from its last observation to the new one, instead of keeping the velocity
    /// that drifted while it was predicted blind.</summary>
    public bool ObservationReupdate { get; init; }

    /// <summary>Weight of OC-SORT's direction-consistency (momentum) term in the first association: the cost
    /// falls (or rises) by up to half this times the detection score as the move from the track's recent
    /// observation to the detection agrees with (or opposes) the track's observed direction. 0 turns it off.</summary>
    public double DirectionWeight { get; init; }

    /// <summary>Frames over which directions are measured (OC-SORT's delta_t).</summary>
    public int DirectionFrames { get; init; } = 3;

    /// <summary>Observation-centric recovery (OC-SORT): after both associations, tracks still unmatched get a
    /// last chance against the confident detections left, on overlap with their last observed box rather than
    /// the prediction (a wrong velocity predicts the box away from where a stopped person still stands).</summary>
    public bool ObservationRecovery { get; init; }

    /// <summary>Frame rate the Kalman process noise is tuned for (MOT17's 30 frames/s, as ByteTrack and BoT-SORT
    /// tuned it). At other rates the noise per step is scaled by the actual interval between frames, so a 10
    /// frames/s camera expects larger changes of motion per frame than a 30 frames/s one. 0 keeps the noise per
    /// frame whatever the rate.</summary>
    public double NoiseFrameRate { get; init; } = 30;

    public void Validate()
    {
        if (LowScore is < 0 or > 1 || HighScore < LowScore || HighScore > 1 || NewTrackScore is < 0 or > 1)
            throw new ArgumentException($"Tracker: need 0 <= LowScore ({LowScore}) <= HighScore ({HighScore}) <= 1 and NewTrackScore ({NewTrackScore}) in [0, 1].");
        if (FirstMatchMaxCost is <= 0 or > 1 || SecondMatchMaxCost is <= 0 or > 1 || TentativeMatchMaxCost is <= 0 or > 1)
            throw new ArgumentException("Tracker: match cost limits must be in (0, 1].");
        if (ConfirmHits < 1 || LostTimeout < TimeSpan.Zero || AppearanceMaxDistance is < 0 or > 1 || ProximityMaxIoUDistance is < 0 or > 1
            || MaxSpeedHeightsPerSecond < 0 || EmbeddingMomentum is < 0 or >= 1)
            throw new ArgumentException("Tracker: ConfirmHits >= 1, LostTimeout >= 0, appearance and proximity limits in [0, 1], speed >= 0, momentum in [0, 1).");
        if (NoiseFrameRate < 0 || double.IsNaN(NoiseFrameRate))
            throw new ArgumentException($"Tracker: NoiseFrameRate ({NoiseFrameRate}) must be >= 0.");
        if (DirectionWeight is < 0 or > 1 || DirectionFrames < 1)
            throw new ArgumentException($"Tracker: DirectionWeight ({DirectionWeight}) in [0, 1] and DirectionFrames ({DirectionFrames}) >= 1.");
    }
}
