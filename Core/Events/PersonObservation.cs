namespace UniHCP.Pipeline.Core.Events;

/// <summary>
/// Everything the model says about one detected person in one frame. Task outputs that were not
/// computed (the task is not in the configured task set) are null or empty.
/// </summary>
/// <param name="DetectionIndex">Index of the detection within its frame (0-based); with camera and frame
/// sequence it identifies the observation, so replays can be recognised.</param>
/// <param name="Box">Person box in source-frame pixels.</param>
/// <param name="Score">Detection confidence in [0, 1].</param>
/// <param name="Keypoints">Pose, or null when pose was not run.</param>
/// <param name="Parsing">Parsing summary, or null when parsing was not run.</param>
/// <param name="Attributes">Attribute probabilities, or null when attributes were not run.</param>
/// <param name="Embedding">L2-normalised ReID embedding, or empty when ReID was not run.</param>
/// <param name="Thumbnail">A small JPEG of the person crop (for operators' result lists), or empty.</param>
public sealed record PersonObservation(
    int DetectionIndex,
    BoundingBox Box,
    float Score,
    IReadOnlyList<Keypoint>? Keypoints = null,
    ParsingSummary? Parsing = null,
    IReadOnlyList<AttributeProbability>? Attributes = null,
    ReadOnlyMemory<float> Embedding = default,
    ReadOnlyMemory<byte> Thumbnail = default);
