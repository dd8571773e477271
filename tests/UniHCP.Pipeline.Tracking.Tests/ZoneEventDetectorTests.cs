using System.Text.Json;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Geometry;
using UniHCP.Pipeline.Tracking.Zones;
using Xunit;

namespace UniHCP.Pipeline.Tracking.Tests;

/// <summary>Zone and line events on synthetic tracks whose answers are known: a track is a list of foot points, one
/// per frame at 10 frames/s.</summary>
public class ZoneEventDetectorTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    // A vertical line at x = 100 from y = 0 to y = 200, drawn downwards: its right on screen is the smaller x (west).
    private static LineGeometry Door(LineSide inSide = LineSide.Left) =>
        new() { Name = "door", From = new PixelPoint(100, 0), To = new PixelPoint(100, 200), InSide = inSide };

    private static ZoneGeometry Square(TimeSpan? dwell = null, int? limit = null) => new()
    {
        Name = "square",
        Points = [new(200, 200), new(300, 200), new(300, 300), new(200, 300)],
        DwellThreshold = dwell,
        OccupancyLimit = limit,
    };

    private static ZoneEventDetector Detector(CameraGeometry geometry, CameraPlacesState? state = null, bool countStartsInside = false) =>
        new("cam", geometry, confirmFrames: 3, lineHysteresis: 6, state, countStartsInside);

    private static TrackUpdate Frame(long frame, params (long Track, double X, double Y)[] feet) =>
        Frame(frame, TrackStatus.Confirmed, feet);

    private static TrackUpdate Frame(long frame, TrackStatus status, params (long Track, double X, double Y)[] feet) =>
        new("cam", frame, Start.AddTicks(frame * TimeSpan.TicksPerSecond / 10),
            feet.Select((f, i) => new TrackState(f.Track, status, new BoundingBox((float)f.X - 10, (float)f.Y - 50, (float)f.X + 10, (float)f.Y), status == TrackStatus.Removed ? null : i, 7)).ToList(),
            [], "test");

    private static List<ZoneEvent> Walk(ZoneEventDetector detector, long track, IEnumerable<(double X, double Y)> path, long firstFrame = 0) =>
        path.SelectMany((p, i) => detector.Apply(Frame(firstFrame + i, (track, p.X, p.Y)))).ToList();

    private static IEnumerable<(double X, double Y)> Line(double x0, double y0, double x1, double y1, int steps) =>
        Enumerable.Range(0, steps + 1).Select(i => (x0 + ((x1 - x0) * i / steps), y0 + ((y1 - y0) * i / steps)));

    [Fact]
    public void Crossing_a_line_counts_once_in_its_direction_and_re_crossing_counts_out()
    {
        var detector = Detector(new CameraGeometry { Lines = [Door(LineSide.Left)] }); // left of downwards = east (larger x)
        var events = Walk(detector, 1, Line(50, 100, 150, 100, 20).Concat(Line(150, 100, 50, 100, 20)));
        Assert.Equal([ZoneEventKind.LineIn, ZoneEventKind.LineOut], events.Select(e => e.Kind));
        Assert.Equal(12, events[0].FrameSequence); // x = 110: the first point beyond the 6 px band (x 95-105 is on neither side)
        Assert.Equal(7, events[0].IdentityId);
        Assert.All(events, e => Assert.Equal(("cam", "door", 1L), (e.CameraId, e.Geometry, e.TrackId)));
    }

    [Fact]
    public void Jitter_on_the_line_counts_once_when_the_person_leaves_on_the_far_side_and_not_at_all_when_they_turn_back()
    {
        var jitter = Enumerable.Range(0, 30).Select(i => (100.0 + (i % 2 == 0 ? 5 : -5), 100.0));
        var through = Detector(new CameraGeometry { Lines = [Door()] });
        var events = Walk(through, 1, Line(60, 100, 100, 100, 8).Concat(jitter).Concat(Line(100, 100, 140, 100, 8)));
        Assert.Equal([ZoneEventKind.LineIn], events.Select(e => e.Kind));

        var back = Detector(new CameraGeometry { Lines = [Door()] });
        Assert.Empty(Walk(back, 1, Line(60, 100, 100, 100, 8).Concat(jitter).Concat(Line(100, 100, 60, 100, 8))));

        // Swaying wider than the band (a person walking along the line) counts only when a side is held for
        // ConfirmFrames (3) frames: two short swings east count nothing; then east for 4 frames is in, west for 4 out.
        var wide = Detector(new CameraGeometry { Lines = [Door()] });
        var sway = new[] { 90.0, 90, 90, 110, 110, 90, 110, 90, 90, 110, 110, 110, 110, 90, 90, 90, 90 }.Select(x => (x, 100.0));
        var wideEvents = Walk(wide, 1, sway);
        Assert.Equal([ZoneEventKind.LineIn, ZoneEventKind.LineOut], wideEvents.Select(e => e.Kind));
        Assert.Equal([9L, 13L], wideEvents.Select(e => e.FrameSequence)); // dated at the first frame on the new side
    }

    [Fact]
    public void Walking_round_the_end_of_a_line_counts_nothing()
    {
        var detector = Detector(new CameraGeometry { Lines = [Door()] });
        var path = Line(50, 150, 50, 250, 10).Concat(Line(50, 250, 150, 250, 10)).Concat(Line(150, 250, 150, 150, 10));
        Assert.Empty(Walk(detector, 1, path));
    }

    [Fact]
    public void Entering_and_leaving_through_a_zones_edge_are_dated_at_the_first_frame_and_give_the_visits_duration()
    {
        var detector = Detector(new CameraGeometry { Zones = [Square()] });
        // Frames 0-9 west of the zone, 10-29 inside (x 205..), 30-39 east of it.
        var path = Enumerable.Range(0, 40).Select(i => (i < 10 ? 150.0 + i : i < 30 ? 205.0 + ((i - 10) * 4) : 320.0 + i, 250.0));
        var events = Walk(detector, 1, path);
        Assert.Equal([ZoneEventKind.Enter, ZoneEventKind.Exit], events.Select(e => e.Kind));
        Assert.Equal(10, events[0].FrameSequence);
        Assert.Equal(1, events[0].Occupancy);
        Assert.Equal(30, events[1].FrameSequence);
        Assert.Equal(TimeSpan.FromSeconds(2), events[1].Duration);
        Assert.Equal(0, events[1].Occupancy);
    }

    [Fact]
    public void A_foot_point_jittering_on_a_zones_edge_does_not_enter_and_leave_every_frame()
    {
        var detector = Detector(new CameraGeometry { Zones = [Square()] });
        var path = Enumerable.Range(0, 40).Select(i => (i % 2 == 0 ? 198.0 : 202.0, 250.0));
        Assert.Empty(Walk(detector, 1, path));
    }

    [Fact]
    public void A_track_that_ends_inside_leaves_at_its_last_frame_inside_and_lost_frames_move_nothing()
    {
        var detector = Detector(new CameraGeometry { Zones = [Square()] });
        var events = Walk(detector, 1, Enumerable.Repeat((150.0, 250.0), 5).Concat(Enumerable.Repeat((250.0, 250.0), 10)));
        // Lost for five frames with predicted boxes outside the zone: nothing moves.
        for (int f = 15; f < 20; f++)
            events.AddRange(detector.Apply(new TrackUpdate("cam", f, Start.AddTicks(f * TimeSpan.TicksPerSecond / 10), [new TrackState(1, TrackStatus.Lost, new BoundingBox(0, 0, 20, 50), null, null)], [], "test")));
        events.AddRange(detector.Apply(Frame(20, TrackStatus.Removed, (1, 0, 50))));
        Assert.Equal([ZoneEventKind.Enter, ZoneEventKind.Exit], events.Select(e => e.Kind));
        Assert.Equal((5L, 14L), (events[0].FrameSequence, events[1].FrameSequence));
        Assert.Equal(TimeSpan.FromSeconds(0.9), events[1].Duration);
        Assert.Equal(0, detector.Occupancy("square"));
    }

    [Fact]
    public void A_track_first_seen_inside_is_in_the_occupancy_but_enters_only_when_asked_and_a_later_entry_counts()
    {
        var path = Enumerable.Repeat((250.0, 250.0), 10).Concat(Enumerable.Repeat((150.0, 250.0), 5)).Concat(Enumerable.Repeat((250.0, 250.0), 5)).ToList();
        var quiet = Detector(new CameraGeometry { Zones = [Square()] });
        var events = Walk(quiet, 1, path.Take(5));
        Assert.Empty(events);
        Assert.Equal(1, quiet.Occupancy("square"));
        events.AddRange(Walk(quiet, 1, path.Skip(5), firstFrame: 5));
        Assert.Equal([ZoneEventKind.Enter], events.Select(e => e.Kind)); // the leaving of a visit that never entered is not an exit
        Assert.Equal(15, events[0].FrameSequence);

        var counting = Detector(new CameraGeometry { Zones = [Square()] }, countStartsInside: true);
        Assert.Equal([ZoneEventKind.Enter, ZoneEventKind.Exit, ZoneEventKind.Enter], Walk(counting, 1, path).Select(e => e.Kind));
    }

    [Fact]
    public void Dwell_is_given_once_per_visit_when_the_visit_reaches_the_zones_threshold()
    {
        var detector = Detector(new CameraGeometry { Zones = [Square(dwell: TimeSpan.FromSeconds(2))] });
        var inside = Enumerable.Repeat((250.0, 250.0), 40);
        var outside = Enumerable.Repeat((150.0, 250.0), 5);
        var events = Walk(detector, 1, outside.Concat(inside).Concat(outside).Concat(Enumerable.Repeat((250.0, 250.0), 15)));
        Assert.Equal([ZoneEventKind.Enter, ZoneEventKind.Dwell, ZoneEventKind.Exit, ZoneEventKind.Enter], events.Select(e => e.Kind));
        Assert.Equal(25, events[1].FrameSequence);
        Assert.Equal(TimeSpan.FromSeconds(2), events[1].Duration); // the second visit (1.5 s) gives none

        // A track first seen inside gives its dwell too: loitering matters whoever it is.
        var already = Detector(new CameraGeometry { Zones = [Square(dwell: TimeSpan.FromSeconds(2))] });
        Assert.Equal([ZoneEventKind.Dwell], Walk(already, 2, inside).Select(e => e.Kind));
    }

    [Fact]
    public void Crowding_is_given_when_occupancy_rises_above_the_limit_and_again_only_after_it_fell_back()
    {
        var detector = Detector(new CameraGeometry { Zones = [Square(limit: 1)] });
        var events = new List<ZoneEvent>();
        for (int f = 0; f < 30; f++)
        {
            var feet = new List<(long, double, double)> { (1, 250, 250) };
            if (f >= 5)
                feet.Add(f is >= 15 and < 20 ? (2, 150, 250) : (2, 260, 260)); // outside for frames 15-19: leaves at 15, enters again at 20

            events.AddRange(detector.Apply(Frame(f, [.. feet])));
        }
        var crowding = events.Where(e => e.Kind == ZoneEventKind.Crowding).ToList();
        Assert.Equal([7L, 22L], crowding.Select(e => e.FrameSequence));
        Assert.All(crowding, e => Assert.Equal((0L, 2), (e.TrackId, e.Occupancy)));
    }

    [Fact]
    public void A_detector_restored_from_a_checkpoint_gives_what_an_uninterrupted_one_gives_and_skips_what_it_already_applied()
    {
        var geometry = new CameraGeometry { Zones = [Square(dwell: TimeSpan.FromSeconds(1))], Lines = [Door()] };
        var updates = Enumerable.Range(0, 60).Select(i => Frame(i, (1, 60 + (i * 4), 150 - i), (2, 250, 150 + (i * 2)))).ToList();
        var whole = Detector(geometry);
        var expected = updates.SelectMany(whole.Apply).ToList();
        Assert.Contains(expected, e => e.Kind == ZoneEventKind.LineIn);
        Assert.Contains(expected, e => e.Kind == ZoneEventKind.Dwell);

        var first = Detector(geometry);
        var got = updates.Take(25).SelectMany(first.Apply).ToList();
        var checkpoint = JsonSerializer.Deserialize<CameraPlacesState>(JsonSerializer.Serialize(first.State))!;
        var resumed = Detector(geometry, checkpoint);
        got.AddRange(updates.Skip(20).SelectMany(resumed.Apply)); // the input replays from an earlier offset
        Assert.Equal(expected, got);
    }

    [Fact]
    public void Geometry_is_refused_with_the_camera_the_shape_and_what_is_wrong()
    {
        var geometry = new CameraGeometry
        {
            FrameWidth = 640,
            FrameHeight = 480,
            Zones =
            [
                new() { Name = "bowtie", Points = [new(0, 0), new(100, 100), new(100, 0), new(0, 100)] },
                new() { Name = "far", Points = [new(0, 0), new(700, 0), new(0, 100)] },
                new() { Name = "flat", Points = [new(0, 0), new(10, 10), new(20, 20)] },
            ],
            Lines = [new() { Name = "far", From = new(1, 1), To = new(1, 1) }],
        };
        var problems = geometry.Problems("lobby");
        Assert.Contains(problems, p => p.Contains("camera 'lobby', zone 'bowtie'", StringComparison.Ordinal) && p.Contains("crosses itself", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("zone 'far'", StringComparison.Ordinal) && p.Contains("outside the 640x480 frame", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("zone 'flat'", StringComparison.Ordinal) && p.Contains("no area", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("unique per camera", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("line 'far'", StringComparison.Ordinal) && p.Contains("a pixel apart", StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => new ZoneEventDetector("lobby", geometry, 3, 6));
        Assert.Empty(new CameraGeometry { Zones = [Square()], Lines = [Door()] }.Problems("lobby"));
    }
}
