namespace UniHCP.Pipeline.Core.Events;

/// <summary>What a track did with respect to a camera's zone or line.</summary>
public enum ZoneEventKind
{
    /// <summary>The track's foot point entered the zone (or the track started inside it).</summary>
    Enter = 0,

    /// <summary>The foot point left the zone, or the track ended inside it.</summary>
    Exit = 1,

    /// <summary>The track has stayed in the zone for the zone's dwell threshold (loitering): once per visit.</summary>
    Dwell = 2,

    /// <summary>The foot point crossed the line towards its named "in" side.</summary>
    LineIn = 3,

    /// <summary>The foot point crossed the line away from its "in" side.</summary>
    LineOut = 4,

    /// <summary>The zone's occupancy rose above its limit (once, until it falls back to the limit).</summary>
    Crowding = 5,
}

/// <summary>
/// One zone or line event: the seam between the events stage and what reads events (store, live stream, webhooks).
/// The key (camera, geometry, version, kind, track, time) is the same whenever the same track updates are replayed,
/// so a sink that keeps keys stores each event once.
/// </summary>
/// <param name="CameraId">The camera.</param>
/// <param name="FrameSequence">The frame in which the event happened.</param>
/// <param name="Time">That frame's capture time.</param>
/// <param name="Kind">What happened.</param>
/// <param name="Geometry">The zone's or line's name (unique per camera).</param>
/// <param name="GeometryVersion">The version of the camera's geometry the event was computed with.</param>
/// <param name="TrackId">The track (0 for crowding, which is about the zone).</param>
/// <param name="IdentityId">The track's cross-camera identity when known.</param>
/// <param name="Duration">Enter to this event, for exits and dwell; zero otherwise.</param>
/// <param name="Occupancy">Tracks in the zone after the event (zones); 0 for lines.</param>
public sealed record ZoneEvent(
    string CameraId,
    long FrameSequence,
    DateTimeOffset Time,
    ZoneEventKind Kind,
    string Geometry,
    int GeometryVersion,
    long TrackId,
    long? IdentityId,
    TimeSpan Duration,
    int Occupancy) : ICameraEvent;
