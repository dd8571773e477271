namespace UniHCP.Pipeline.Tracking.Zones;

/// <summary>Where one track stands with respect to one zone: what the detector remembers between frames (serialisable,
/// so that a checkpoint can carry it across a restart).</summary>
public sealed class ZonePresence
{
    /// <summary>The decided state: inside or not.</summary>
    public bool Inside { get; set; }

    /// <summary>Whether the track has been decided in or out at least once (false until then).</summary>
    public bool Decided { get; set; }

    /// <summary>Whether the current visit began by crossing into the zone (or counts as if it had): only such visits give
    /// enter and exit events.</summary>
    public bool Arrived { get; set; }

    /// <summary>Matched frames in a row that disagree with <see cref="Inside"/>.</summary>
    public int Streak { get; set; }

    /// <summary>The first frame of the disagreeing streak: where a change is dated.</summary>
    public long StreakFrame { get; set; }

    public DateTimeOffset StreakTime { get; set; }

    /// <summary>When the current visit began (valid while <see cref="Inside"/>).</summary>
    public DateTimeOffset EnteredAt { get; set; }

    /// <summary>The last matched frame inside (an ended track leaves there).</summary>
    public long LastInsideFrame { get; set; }

    public DateTimeOffset LastInsideTime { get; set; }

    /// <summary>Whether this visit has given its dwell event.</summary>
    public bool DwellGiven { get; set; }
}

/// <summary>Where one track stands with respect to one line: the side decided last and the foot point it was decided at.</summary>
public sealed class LinePresence
{
    /// <summary>-1 left, +1 right, 0 not yet decided.</summary>
    public int Side { get; set; }

    /// <summary>The last point on the confirmed side.</summary>
    public double X { get; set; }

    /// <inheritdoc cref="X"/>
    public double Y { get; set; }

    /// <summary>Matched frames in a row on the other side (not yet a crossing); 0 when none.</summary>
    public int Streak { get; set; }

    /// <summary>The first point, frame and time of that streak: a confirmed crossing is dated there.</summary>
    public double StreakX { get; set; }

    /// <inheritdoc cref="StreakX"/>
    public double StreakY { get; set; }

    /// <inheritdoc cref="StreakX"/>
    public long StreakFrame { get; set; }

    /// <inheritdoc cref="StreakX"/>
    public DateTimeOffset StreakTime { get; set; }
}

/// <summary>One track's places on its camera, by zone or line name.</summary>
public sealed class TrackPlaces
{
    public long? IdentityId { get; set; }

    public Dictionary<string, ZonePresence> Zones { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, LinePresence> Lines { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>Everything the detector of one camera remembers: its checkpoint.</summary>
public sealed class CameraPlacesState
{
    /// <summary>The last frame applied.</summary>
    public long LastFrame { get; set; } = -1;

    /// <summary>Its capture time: an update not newer than this is one the state already holds (frame numbers restart
    /// when a file is analysed again; capture times do not go back).</summary>
    public DateTimeOffset LastTime { get; set; } = DateTimeOffset.MinValue;

    public Dictionary<long, TrackPlaces> Tracks { get; set; } = [];

    /// <summary>Zones currently over their occupancy limit.</summary>
    public HashSet<string> Crowded { get; set; } = new(StringComparer.Ordinal);
}
