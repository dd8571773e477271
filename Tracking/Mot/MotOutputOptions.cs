namespace UniHCP.Pipeline.Tracking.Mot;

/// <summary>
/// Which boxes a MOTChallenge run writes for each frame. Online only: a frame's rows depend on that
/// frame and the ones before it, never on later frames (no back-filling of tentative tracks or gaps).
/// </summary>
public sealed record MotOutputOptions
{
    /// <summary>A confirmed track that missed its detection is still written, at the filter's prediction, for up
    /// to this long since its last match (ground truth keeps occluded people, and the public detectors miss most
    /// of them: on MOT17-02/05/09 they find 92-99% of people more than 60% visible but 8-27% of those less than
    /// 30% visible). Zero writes only tracks matched in the frame.</summary>
    public TimeSpan PredictedFor { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Write a prediction only while its box's centre stays in the image (a person walking out of
    /// view is gone, not occluded; moving cameras lose people at the edges all the time).</summary>
    public bool PredictedInsideImage { get; init; } = true;

    /// <summary>Write a prediction only when at least this fraction of its box is covered by a box written in
    /// the same frame (evidence of an occlusion, the case where the person is still there). 0 writes regardless.</summary>
    public double PredictedMinCover { get; init; } = 0.2;

    /// <summary>Write the matched detection's box rather than the filter's estimate.</summary>
    public bool DetectionBox { get; init; }

    /// <summary>Write tentative tracks' matched boxes too: they are mostly real people (the detections start
    /// tracks only above a high score), and holding back a track's first frames costs more than the clutter.</summary>
    public bool Tentative { get; init; } = true;

    public void Validate()
    {
        if (PredictedFor < TimeSpan.Zero || PredictedMinCover is < 0 or > 1 || double.IsNaN(PredictedMinCover))
            throw new ArgumentException($"MOT output: PredictedFor ({PredictedFor}) must be >= 0 and PredictedMinCover ({PredictedMinCover}) in [0, 1].");
    }
}
