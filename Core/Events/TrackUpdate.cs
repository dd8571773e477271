namespace UniHCP.Pipeline.Core.Events;

/// <summary>
/// The tracker's view of one camera after one frame: every track that is alive or changed state,
/// with the frame's person observations (a track's matched observation is the one whose
/// detection index its state names). The seam between tracking and store: the store writes
/// observations and tracks from this one record, so a frame is stored whole or not at all.
/// </summary>
/// <param name="CameraId">The camera.</param>
/// <param name="FrameSequence">The frame the update belongs to.</param>
/// <param name="CaptureTime">The frame's capture time.</param>
/// <param name="Tracks">Track states, ordered by track id.</param>
/// <param name="Observations">The frame's person observations, in detection-index order (empty when none).</param>
/// <param name="ModelVersion">The weights version that produced the observations.</param>
public sealed record TrackUpdate(
    string CameraId,
    long FrameSequence,
    DateTimeOffset CaptureTime,
    IReadOnlyList<TrackState> Tracks,
    IReadOnlyList<PersonObservation> Observations,
    string ModelVersion) : ICameraEvent;
