using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Geometry;
using UniHCP.Pipeline.Tracking.PerCamera;

namespace UniHCP.Pipeline.Tracking.Zones;

/// <summary>One frame of boxes from elsewhere (a label file, another detector): what <see cref="ZoneCounting"/> tracks.</summary>
public sealed record DetectedFrame(long FrameSequence, DateTimeOffset Time, IReadOnlyList<(BoundingBox Box, float Score)> Boxes);

/// <summary>Totals of a zone's or line's events.</summary>
public sealed record ZoneTotals(string Geometry, int In, int Out, int Enter, int Exit, int Dwell, int Crowding);

/// <summary>
/// Zone and line events from boxes that did not come through the pipeline: tracked with our per-camera tracker and
/// counted with <see cref="ZoneEventDetector"/>, as the events stage does. Used to check the pipeline's counts against
/// counts from independent detections (`unihcp eval counts`).
/// </summary>
public static class ZoneCounting
{
    public static IReadOnlyList<ZoneEvent> Events(string cameraId, CameraGeometry geometry, IEnumerable<DetectedFrame> frames, TrackerOptions trackerOptions,
        int confirmFrames, double lineHysteresis, bool countStartsInside = false)
    {
        ArgumentNullException.ThrowIfNull(frames);
        var tracker = new CameraTracker(cameraId, trackerOptions);
        var detector = new ZoneEventDetector(cameraId, geometry, confirmFrames, lineHysteresis, countStartsInside: countStartsInside);
        var events = new List<ZoneEvent>();
        foreach (var frame in frames.OrderBy(f => f.FrameSequence))
        {
            var detections = frame.Boxes.Select((b, i) => new TrackerDetection(i, b.Box, b.Score)).ToList();
            var states = tracker.Update(frame.Time, detections);
            events.AddRange(detector.Apply(new TrackUpdate(cameraId, frame.FrameSequence, frame.Time, states, [], "labels")));
        }
        events.AddRange(detector.EndAll());
        return events;
    }

    /// <summary>Per zone and line of <paramref name="geometry"/> (in its order), the totals of <paramref name="events"/>.</summary>
    public static IReadOnlyList<ZoneTotals> Totals(CameraGeometry geometry, IReadOnlyList<ZoneEvent> events)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        return geometry.Lines.Select(l => l.Name).Concat(geometry.Zones.Select(z => z.Name)).Select(name =>
        {
            var mine = events.Where(e => e.Geometry == name).ToList();
            int Count(ZoneEventKind kind) => mine.Count(e => e.Kind == kind);
            return new ZoneTotals(name, Count(ZoneEventKind.LineIn), Count(ZoneEventKind.LineOut), Count(ZoneEventKind.Enter), Count(ZoneEventKind.Exit),
                Count(ZoneEventKind.Dwell), Count(ZoneEventKind.Crowding));
        }).ToList();
    }
}
