namespace UniHCP.Pipeline.Core.Events;

/// <summary>Life cycle of a per-camera track.</summary>
public enum TrackStatus
{
    /// <summary>Seen too few times to be reported as a person yet.</summary>
    Tentative = 0,

    /// <summary>An established track.</summary>
    Confirmed = 1,

    /// <summary>Not matched recently; kept so that the person can be re-found.</summary>
    Lost = 2,

    /// <summary>Ended; the id will not be used again.</summary>
    Removed = 3,
}

/// <summary>One track's state in one frame.</summary>
/// <param name="TrackId">Per-camera track id, unique for the camera's life.</param>
/// <param name="Status">Life-cycle state.</param>
/// <param name="Box">Current box (the matched detection's, or the motion model's prediction when unmatched).</param>
/// <param name="DetectionIndex">The matched detection of this frame, or null when unmatched.</param>
/// <param name="IdentityId">Cross-camera identity, or null while none is assigned.</param>
public readonly record struct TrackState(
    long TrackId,
    TrackStatus Status,
    BoundingBox Box,
    int? DetectionIndex,
    long? IdentityId);
