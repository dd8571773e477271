namespace UniHCP.Pipeline.Core.Events;

/// <summary>
/// The tracker's view of one camera after one frame: every track that is alive or changed state.
/// The seam between tracking and store.
/// </summary>
/// <param name="CameraId">The camera.</param>
/// <param name="FrameSequence">The frame the update belongs to.</param>
/// <param name="CaptureTime">The frame's capture time.</param>
/// <param name="Tracks">Track states, ordered by track id.</param>
public sealed record TrackUpdate(
    string CameraId,
    long FrameSequence,
    DateTimeOffset CaptureTime,
    IReadOnlyList<TrackState> Tracks) : ICameraEvent;
