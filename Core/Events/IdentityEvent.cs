namespace UniHCP.Pipeline.Core.Events;

/// <summary>What happened to a track's cross-camera identity.</summary>
public enum IdentityEventKind
{
    /// <summary>The track was given an identity: an existing one (seen on another camera) or a new one.</summary>
    Assigned = 0,

    /// <summary>Two identities turned out to be one person: the track now belongs to <see cref="IdentityEvent.IdentityId"/>,
    /// <see cref="IdentityEvent.MergedFrom"/> is gone.</summary>
    Merged = 1,
}

/// <summary>
/// A cross-camera identity decision for one track: the seam between tracking and store for
/// "where else was this person seen?".
/// </summary>
/// <param name="CameraId">The track's camera.</param>
/// <param name="TrackId">The per-camera track.</param>
/// <param name="IdentityId">The identity (unique across cameras).</param>
/// <param name="Kind">Assignment or merge.</param>
/// <param name="Time">When it was decided (the frame's capture time).</param>
/// <param name="Similarity">Cosine similarity of the track's appearance to the identity's (0 for a new identity).</param>
/// <param name="MergedFrom">For a merge: the identity that was absorbed.</param>
public sealed record IdentityEvent(
    string CameraId,
    long TrackId,
    long IdentityId,
    IdentityEventKind Kind,
    DateTimeOffset Time,
    double Similarity,
    long? MergedFrom = null) : ICameraEvent;
