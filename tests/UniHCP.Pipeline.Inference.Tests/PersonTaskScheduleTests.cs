using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Inference.Stage;
using UniHCP.Pipeline.Tracking.PerCamera;

namespace UniHCP.Pipeline.Inference.Tests;

/// <summary>Person tasks per track: on the frame the tracker confirms a track, then once per interval; the schedule's
/// copy of the tracker forms the tracks the tracking stage forms.</summary>
public sealed class PersonTaskScheduleTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);

    /// <summary>A 10 frames/s camera's frame.</summary>
    private static VideoFrame At(long sequence, string camera = "door") =>
        new(camera, sequence, Start.AddTicks(sequence * TimeSpan.TicksPerSecond / 10), TimeSpan.FromTicks(sequence * TimeSpan.TicksPerSecond / 10), 2, 2, PixelFormat.Rgb24, new byte[12]);

    private static Detection Person(float x, float y = 100, float score = 0.9f) => new(new BoundingBox(x, y, x + 40, y + 100), score);

    /// <summary>Plans a frame and returns the detection indices described, in order; each described person's
    /// embedding is the one <paramref name="embed"/> gives (default: none, as without ReID).</summary>
    private static List<int> Plan(PersonTaskSchedule schedule, VideoFrame frame, IReadOnlyList<Detection> detections, Func<int, float[]?>? embed = null)
    {
        var described = new List<int>();
        schedule.Plan(frame, detections, indices =>
        {
            described.AddRange(indices);
            return indices.Select(i => embed?.Invoke(i)).ToList();
        });
        return described;
    }

    [Fact]
    public void A_walker_is_described_on_the_frame_the_track_is_confirmed_on_then_once_every_interval()
    {
        var schedule = new PersonTaskSchedule(TimeSpan.FromSeconds(2), new TrackerOptions());
        var described = new List<long>();
        for (long f = 0; f < 50; f++)
        {
            // Walks 2 px a frame. On a camera's first frame the tracker confirms at once.
            if (Plan(schedule, At(f), [Person(100 + (2 * f))]).Count > 0)
                described.Add(f);
        }
        Assert.Equal([0L, 20, 40], described);
    }

    [Fact]
    public void A_newcomer_is_described_when_its_track_is_confirmed_and_a_weak_detection_never()
    {
        var schedule = new PersonTaskSchedule(TimeSpan.FromSeconds(2), new TrackerOptions { ConfirmHits = 2 });
        Assert.Equal([0], Plan(schedule, At(0), [Person(100)]));
        // Frame 1: a newcomer starts a tentative track (not yet a person); one too weak to start a track (< 0.7).
        Assert.Empty(Plan(schedule, At(1), [Person(102), Person(400), Person(700, score: 0.65f)]));
        // Frame 2: the newcomer's second hit confirms its track: described now, whichever order the detections come in.
        Assert.Equal([0], Plan(schedule, At(2), [Person(402), Person(104), Person(701, score: 0.65f)]));
        Assert.Empty(Plan(schedule, At(3), [Person(106), Person(404), Person(702, score: 0.65f)]));
    }

    [Fact]
    public void A_replayed_frame_gets_no_descriptions_cameras_are_apart_and_an_ended_camera_starts_afresh()
    {
        var schedule = new PersonTaskSchedule(TimeSpan.FromSeconds(10), new TrackerOptions());
        Assert.Equal([0], Plan(schedule, At(5), [Person(100)]));
        Assert.Empty(Plan(schedule, At(5), [Person(100), Person(400)]));
        Assert.Empty(Plan(schedule, At(4), [Person(400)]));
        // Another camera's person at the same place is that camera's first track.
        Assert.Equal([0], Plan(schedule, At(6, "lobby"), [Person(100)]));
        Assert.Empty(Plan(schedule, At(6), [Person(102)]));
        schedule.Forget("door");
        Assert.Equal([0], Plan(schedule, At(0), [Person(100)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PersonTaskSchedule(TimeSpan.Zero, new TrackerOptions()));
        Assert.Throws<ArgumentException>(() => new PersonTaskSchedule(TimeSpan.FromSeconds(1), new TrackerOptions { ConfirmHits = 0 }));
    }

    [Fact]
    public void A_person_lost_past_the_trackers_timeout_comes_back_as_a_new_track_and_is_described_again()
    {
        var schedule = new PersonTaskSchedule(TimeSpan.FromSeconds(10), new TrackerOptions { LostTimeout = TimeSpan.FromSeconds(1) });
        Assert.Equal([0], Plan(schedule, At(0), [Person(100)]));
        Assert.Empty(Plan(schedule, At(1), [Person(100)]));
        // Gone for 0.4 s (frames without anyone): the lost track is found again, described less than 10 s ago.
        for (long f = 2; f < 6; f++)
            Assert.Empty(Plan(schedule, At(f), []));
        Assert.Empty(Plan(schedule, At(6), [Person(100)]));
        // Gone for 2 s: the track ended; a new one starts tentative and is described when confirmed.
        for (long f = 7; f < 27; f++)
            Assert.Empty(Plan(schedule, At(f), []));
        Assert.Empty(Plan(schedule, At(27), [Person(100)]));
        Assert.Equal([0], Plan(schedule, At(28), [Person(100)]));
    }

    /// <summary>
    /// The property the schedule exists for: the tracking stage's tracker, fed the same detections with the embeddings
    /// the schedule had described, confirms no track on an undescribed detection. People cross, meet and vanish; their
    /// embeddings (a direction per person) steer the association, so a description changes the frame's matching.
    /// </summary>
    [Fact]
    public void Every_track_the_tracking_stage_forms_from_the_described_frames_has_an_embedding_from_its_first_stored_observation()
    {
        var options = new TrackerOptions();
        var schedule = new PersonTaskSchedule(TimeSpan.FromSeconds(1), options);
        var tracker = new CameraTracker("door", options);
        var random = new Random(17); // a local generator: the scene is the same on every run
        var walkers = Enumerable.Range(0, 12).Select(k => new Walker(k, random)).ToList();
        var confirmedOn = new Dictionary<long, bool>();
        int descriptions = 0, detectionsSeen = 0;
        for (long f = 0; f < 300; f++)
        {
            var visible = walkers.Where(w => w.VisibleAt(f)).ToList();
            var detections = visible.Select(w => w.DetectionAt(f, random)).ToList();
            detectionsSeen += detections.Count;
            var embeddings = new ReadOnlyMemory<float>[detections.Count];
            schedule.Plan(At(f), detections, indices =>
            {
                descriptions += indices.Count;
                var result = indices.Select(i => visible[i].Embedding).ToList();
                for (int k = 0; k < indices.Count; k++)
                    embeddings[indices[k]] = result[k];
                return result;
            });
            var states = tracker.Update(At(f).CaptureTime, detections.Select((d, i) => new TrackerDetection(i, d.Box, d.Score, embeddings[i])).ToList());
            foreach (var state in states.Where(s => s.Status == TrackStatus.Confirmed && !confirmedOn.ContainsKey(s.TrackId)))
                confirmedOn[state.TrackId] = state.DetectionIndex is { } i && !embeddings[i].IsEmpty;
        }
        Assert.True(confirmedOn.Count >= 12, $"only {confirmedOn.Count} tracks formed");
        Assert.All(confirmedOn, track => Assert.True(track.Value, $"track {track.Key} was confirmed on an undescribed detection"));
        Assert.InRange(descriptions, confirmedOn.Count, detectionsSeen / 4);
    }

    /// <summary>A person walking a straight line at their own speed, in view for a while, with their own appearance.</summary>
    private sealed class Walker
    {
        private readonly float _x0, _y0, _vx, _vy;
        private readonly long _enter, _leave;

        public Walker(int index, Random random)
        {
            _x0 = random.Next(0, 600);
            _y0 = random.Next(50, 350);
            _vx = (float)((random.NextDouble() * 8) - 4);
            _vy = (float)((random.NextDouble() * 2) - 1);
            _enter = random.Next(0, 150);
            _leave = _enter + random.Next(40, 150);
            Embedding = new float[8];
            Embedding[index % 8] = 1;
            Embedding[(index + 3) % 8] = index < 8 ? 0.5f : -0.5f;
        }

        public float[] Embedding { get; }

        // Each walker is hidden for a stretch in the middle of their walk (an occlusion the tracker must bridge).
        public bool VisibleAt(long frame) => frame >= _enter && frame < _leave && (frame - _enter) % 37 is < 30 or > 33;

        public Detection DetectionAt(long frame, Random random)
        {
            float t = frame - _enter;
            float x = _x0 + (_vx * t) + (float)(random.NextDouble() * 2), y = _y0 + (_vy * t);
            return new Detection(new BoundingBox(x, y, x + 40, y + 100), (float)(0.62 + (random.NextDouble() * 0.35)));
        }
    }
}
