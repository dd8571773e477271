using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Geometry;

namespace UniHCP.Pipeline.Tracking.Zones;

/// <summary>
/// Turns one camera's track updates into zone and line events. A track's position is its box's foot point (bottom
/// centre: where the person stands) in frames where it was matched to a detection and confirmed; predictions of lost
/// tracks move nothing. Zones: a track enters after <see cref="ZoneEventOptions.ConfirmFrames"/> matched frames inside
/// in a row (dated at the first of them; a track first seen inside is inside but gives no enter or exit unless
/// countStartsInside), leaves likewise or when it ends inside (dated at its last frame inside), gives one dwell event
/// per visit once the visit lasts the zone's threshold,
/// and the zone gives one crowding event each time its occupancy rises above its limit. Lines: a track's side is
/// decided only beyond <see cref="ZoneEventOptions.LineHysteresis"/> pixels of the line, and a new side only after
/// <see cref="ZoneEventOptions.ConfirmFrames"/> matched frames on it in a row (dated at the first); the change counts
/// when the path from the last point on the old side to the first on the new one crosses the segment itself (walking
/// round its end counts nothing).
/// Deterministic: the same updates from the same state give the same events, which is what makes replays harmless.
/// </summary>
public sealed class ZoneEventDetector
{
    private readonly string _cameraId;
    private readonly CameraGeometry _geometry;
    private readonly int _confirmFrames;
    private readonly double _hysteresis;
    private readonly bool _countStartsInside;

    /// <param name="countStartsInside">Whether a track first seen inside a zone enters it (and later exits). Off by
    /// default: such a track did not cross the edge - it is a person already there when the camera started, or a track
    /// that took over from a lost one in the middle of the zone - and counting it would count fragments as arrivals.
    /// It is in the zone's occupancy and gives dwell either way.</param>
    public ZoneEventDetector(string cameraId, CameraGeometry geometry, int confirmFrames, double lineHysteresis, CameraPlacesState? state = null,
        bool countStartsInside = false)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        var problems = geometry.Problems(cameraId);
        if (problems.Count > 0)
            throw new ArgumentException(string.Join(" ", problems), nameof(geometry));
        _cameraId = cameraId;
        _geometry = geometry;
        _confirmFrames = Math.Max(1, confirmFrames);
        _hysteresis = lineHysteresis;
        _countStartsInside = countStartsInside;
        State = state ?? new CameraPlacesState();
    }

    /// <summary>The geometry version this detector counts with.</summary>
    public int Version => _geometry.Version;

    /// <summary>What the detector remembers (its checkpoint).</summary>
    public CameraPlacesState State { get; }

    /// <summary>Applies one update (of this camera, in frame order) and returns the events it gives, in a fixed order.
    /// An update not newer (in capture time) than the last applied one gives nothing (a replay the state already holds).</summary>
    public IReadOnlyList<ZoneEvent> Apply(TrackUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        if (!string.Equals(update.CameraId, _cameraId, StringComparison.Ordinal))
            throw new ArgumentException($"This detector is for camera '{_cameraId}'; the update is of '{update.CameraId}'.", nameof(update));
        if (update.CaptureTime <= State.LastTime)
            return [];
        State.LastFrame = update.FrameSequence;
        State.LastTime = update.CaptureTime;
        var events = new List<ZoneEvent>();
        foreach (var track in update.Tracks.OrderBy(t => t.TrackId))
        {
            if (track.Status == TrackStatus.Removed)
            {
                if (State.Tracks.Remove(track.TrackId, out var ended))
                    EndTrack(track.TrackId, ended, events);
                continue;
            }
            if (track.Status != TrackStatus.Confirmed || track.DetectionIndex is null)
                continue;
            if (!State.Tracks.TryGetValue(track.TrackId, out var places))
                State.Tracks[track.TrackId] = places = new TrackPlaces();
            places.IdentityId = track.IdentityId ?? places.IdentityId;
            var foot = new PixelPoint((track.Box.X1 + track.Box.X2) / 2.0, track.Box.Y2);
            foreach (var zone in _geometry.Zones)
                MoveInZone(zone, track.TrackId, places, foot, update, events);
            foreach (var line in _geometry.Lines)
                MoveByLine(line, track.TrackId, places, foot, update, events);
        }
        foreach (var zone in _geometry.Zones.Where(z => z.OccupancyLimit is not null))
        {
            int occupancy = Occupancy(zone.Name);
            if (occupancy > zone.OccupancyLimit && State.Crowded.Add(zone.Name))
                events.Add(Event(update.FrameSequence, update.CaptureTime, ZoneEventKind.Crowding, zone.Name, 0, null, TimeSpan.Zero, occupancy));
            else if (occupancy <= zone.OccupancyLimit)
                State.Crowded.Remove(zone.Name);
        }
        return events;
    }

    /// <summary>Ends every track of the camera (its stream ended): tracks inside zones leave them.</summary>
    public IReadOnlyList<ZoneEvent> EndAll()
    {
        var events = new List<ZoneEvent>();
        foreach (var (id, places) in State.Tracks.OrderBy(t => t.Key).ToList())
            EndTrack(id, places, events);
        State.Tracks.Clear();
        State.Crowded.Clear();
        return events;
    }

    /// <summary>Tracks inside the zone now.</summary>
    public int Occupancy(string zone) => State.Tracks.Values.Count(t => t.Zones.TryGetValue(zone, out var p) && p.Inside);

    private void MoveInZone(ZoneGeometry zone, long trackId, TrackPlaces places, PixelPoint foot, TrackUpdate update, List<ZoneEvent> events)
    {
        if (!places.Zones.TryGetValue(zone.Name, out var presence))
            places.Zones[zone.Name] = presence = new ZonePresence();
        bool inside = Polygon.Contains(zone.Points, foot);
        if (!presence.Decided && !inside)
            presence.Decided = true; // first seen outside: its next entry is a crossing
        if (inside == presence.Inside)
        {
            presence.Streak = 0;
        }
        else
        {
            if (presence.Streak == 0)
            {
                presence.StreakFrame = update.FrameSequence;
                presence.StreakTime = update.CaptureTime;
            }
            if (++presence.Streak >= _confirmFrames)
            {
                presence.Streak = 0;
                presence.Inside = inside;
                if (inside)
                {
                    presence.EnteredAt = presence.StreakTime;
                    presence.DwellGiven = false;
                    presence.Arrived = presence.Decided || _countStartsInside;
                    presence.Decided = true;
                    if (presence.Arrived)
                        events.Add(Event(presence.StreakFrame, presence.StreakTime, ZoneEventKind.Enter, zone.Name, trackId, places.IdentityId, TimeSpan.Zero, Occupancy(zone.Name)));
                }
                else if (presence.Arrived)
                {
                    events.Add(Event(presence.StreakFrame, presence.StreakTime, ZoneEventKind.Exit, zone.Name, trackId, places.IdentityId,
                        presence.StreakTime - presence.EnteredAt, Occupancy(zone.Name)));
                }
            }
        }
        if (presence.Inside && inside)
        {
            presence.LastInsideFrame = update.FrameSequence;
            presence.LastInsideTime = update.CaptureTime;
        }
        if (presence.Inside && !presence.DwellGiven && zone.DwellThreshold is { } threshold && update.CaptureTime - presence.EnteredAt >= threshold)
        {
            presence.DwellGiven = true;
            events.Add(Event(update.FrameSequence, update.CaptureTime, ZoneEventKind.Dwell, zone.Name, trackId, places.IdentityId,
                update.CaptureTime - presence.EnteredAt, Occupancy(zone.Name)));
        }
    }

    private void MoveByLine(LineGeometry line, long trackId, TrackPlaces places, PixelPoint foot, TrackUpdate update, List<ZoneEvent> events)
    {
        if (!places.Lines.TryGetValue(line.Name, out var presence))
            places.Lines[line.Name] = presence = new LinePresence();
        var direction = line.To - line.From;
        double distance = PixelPoint.Cross(direction, foot - line.From) / direction.Length; // > 0: right of From -> To on screen
        int side = distance > _hysteresis ? 1 : distance < -_hysteresis ? -1 : 0;
        if (side == 0)
            return; // within the band: neither side, and it neither confirms nor breaks a streak
        if (presence.Side == 0 || side == presence.Side)
        {
            presence.Side = side;
            presence.Streak = 0;
            presence.X = foot.X;
            presence.Y = foot.Y;
            return;
        }
        if (presence.Streak++ == 0)
        {
            presence.StreakX = foot.X;
            presence.StreakY = foot.Y;
            presence.StreakFrame = update.FrameSequence;
            presence.StreakTime = update.CaptureTime;
        }
        if (presence.Streak < _confirmFrames)
            return;
        var first = new PixelPoint(presence.StreakX, presence.StreakY);
        if (Polygon.SegmentsMeet(new PixelPoint(presence.X, presence.Y), first, line.From, line.To))
        {
            bool towardsIn = side == (line.InSide == LineSide.Right ? 1 : -1);
            events.Add(Event(presence.StreakFrame, presence.StreakTime, towardsIn ? ZoneEventKind.LineIn : ZoneEventKind.LineOut, line.Name, trackId,
                places.IdentityId, TimeSpan.Zero, 0));
        }
        presence.Side = side;
        presence.Streak = 0;
        presence.X = foot.X;
        presence.Y = foot.Y;
    }

    private void EndTrack(long trackId, TrackPlaces places, List<ZoneEvent> events)
    {
        foreach (var zone in _geometry.Zones)
        {
            if (places.Zones.TryGetValue(zone.Name, out var presence) && presence.Inside)
            {
                presence.Inside = false;
                if (presence.Arrived)
                    events.Add(Event(presence.LastInsideFrame, presence.LastInsideTime, ZoneEventKind.Exit, zone.Name, trackId, places.IdentityId,
                    presence.LastInsideTime - presence.EnteredAt, Occupancy(zone.Name)));
            }
        }
    }

    private ZoneEvent Event(long frame, DateTimeOffset time, ZoneEventKind kind, string geometry, long trackId, long? identity, TimeSpan duration, int occupancy) =>
        new(_cameraId, frame, time, kind, geometry, _geometry.Version, trackId, identity, duration, occupancy);
}
