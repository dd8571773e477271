namespace UniHCP.Pipeline.Core.Events;

/// <summary>
/// The persons found in one frame of one camera: the seam between inference and tracking/store.
/// A frame with nobody in it is still published (with an empty list) so downstream stages see time pass.
/// </summary>
/// <param name="CameraId">The camera.</param>
/// <param name="FrameSequence">The <see cref="VideoFrame.Sequence"/> the persons were found in.</param>
/// <param name="CaptureTime">The frame's capture time.</param>
/// <param name="FrameWidth">Source frame width in pixels (boxes are in this coordinate system).</param>
/// <param name="FrameHeight">Source frame height in pixels.</param>
/// <param name="ModelVersion">The weights version that produced the observations.</param>
/// <param name="Persons">The observations, in detection-index order.</param>
/// <param name="UnsearchedBelowHeight">0, or: this frame was read whole while its camera's other frames are also read
/// as tiles, so people shorter than this many pixels may be missing from it though present (the tracker keeps their
/// new tracks instead of ending them).</param>
public sealed record PersonObservations(
    string CameraId,
    long FrameSequence,
    DateTimeOffset CaptureTime,
    int FrameWidth,
    int FrameHeight,
    string ModelVersion,
    IReadOnlyList<PersonObservation> Persons,
    float UnsearchedBelowHeight = 0) : ICameraEvent;
