using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Tracking.PerCamera;

namespace UniHCP.Pipeline.Tracking.Tests;

public sealed class CameraTrackerTests
{
    private static readonly DateTimeOffset s_start = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan s_frame = TimeSpan.FromSeconds(0.1); // 10 frames/s

    private static TrackerDetection Person(int index, float x, float y, float score = 0.9f, float[]? embedding = null, float w = 40, float h = 100) =>
        new(index, new BoundingBox(x, y, x + w, y + h), score, embedding);

    private static Dictionary<int, long> Run(CameraTracker tracker, int frame, params TrackerDetection[] detections) =>
        tracker.Update(s_start + (frame * s_frame), detections)
            .Where(s => s.DetectionIndex is not null && s.Status == TrackStatus.Confirmed)
            .ToDictionary(s => s.DetectionIndex!.Value, s => s.TrackId);

    [Fact]
    public void A_constant_velocity_target_keeps_its_id_through_an_occlusion()
    {
        var tracker = new CameraTracker("cam");
        long? id = null;
        for (int f = 0; f < 40; f++)
        {
            bool occluded = f is >= 12 and < 18;
            var ids = occluded ? Run(tracker, f) : Run(tracker, f, Person(0, 10 + (6 * f), 50));
            if (!occluded && f > 1)
            {
                id ??= ids[0];
                Assert.Equal(id, ids[0]);
            }
            if (occluded)
                Assert.Contains(tracker.Tracks, t => t.Status == TrackStatus.Lost);
        }
        Assert.Single(tracker.Tracks);
    }

    [Fact]
    public void Crossing_targets_with_distinct_embeddings_do_not_swap()
    {
        float[] red = [1, 0, 0, 0], blue = [0, 1, 0, 0];
        var tracker = new CameraTracker("cam");
        var first = Run(tracker, 0, Person(0, 0, 50, embedding: red), Person(1, 300, 50, embedding: blue));
        long redId = first[0], blueId = first[1];
        for (int f = 1; f <= 30; f++)
        {
            // They walk towards each other, overlap around frame 15, and go on; the detector lists
            // them in changing order, and at the crossing their boxes are almost the same.
            float a = 10 * f, b = 300 - (10 * f);
            var detections = f % 2 == 0
                ? new[] { Person(0, a, 50, embedding: red), Person(1, b, 52, embedding: blue) }
                : new[] { Person(0, b, 52, embedding: blue), Person(1, a, 50, embedding: red) };
            var ids = Run(tracker, f, detections);
            // Both are seen on every frame, so both must be matched on every frame - also at the crossing.
            Assert.Equal(2, ids.Count);
            int redIndex = f % 2 == 0 ? 0 : 1;
            Assert.Equal(redId, ids[redIndex]);
            Assert.Equal(blueId, ids[1 - redIndex]);
        }
    }

    [Fact]
    public void A_target_that_leaves_and_comes_back_within_the_lost_window_keeps_its_id()
    {
        float[] look = [0.2f, 0.9f, 0.1f, 0.3f];
        var tracker = new CameraTracker("cam", new TrackerOptions { LostTimeout = TimeSpan.FromSeconds(3) });
        long id = 0;
        for (int f = 0; f < 10; f++)
            id = Run(tracker, f, Person(0, 600 + (5 * f), 50, embedding: look)).GetValueOrDefault(0, id);
        // Out of view (behind a door) for 1.5 s, then back, a little way from where it left.
        for (int f = 10; f < 25; f++)
            Run(tracker, f);
        var back = Run(tracker, 25, Person(0, 630, 55, embedding: look));
        Assert.Equal(id, back[0]);
    }

    [Fact]
    public void Low_score_detections_keep_a_track_that_high_score_ones_alone_would_lose()
    {
        var withLow = new CameraTracker("cam");
        var highOnly = new CameraTracker("cam", new TrackerOptions { LowScore = 0.5f });
        long id = 0;
        for (int f = 0; f < 30; f++)
        {
            // Half occluded from frame 10 to 20: the detector still sees the person, at score 0.3.
            float score = f is >= 10 and < 20 ? 0.3f : 0.9f;
            var detection = Person(0, 10 + (4 * f), 50, score);
            var ids = Run(withLow, f, detection);
            Run(highOnly, f, detection);
            if (f > 1)
            {
                if (id == 0)
                    id = ids[0];
                Assert.Equal(id, ids[0]);
            }
        }
        Assert.All(withLow.Tracks, t => Assert.Equal(TrackStatus.Confirmed, t.Status));
    }

    [Fact]
    public void A_new_person_is_tentative_until_seen_twice_and_a_lost_one_is_removed_after_its_timeout()
    {
        var tracker = new CameraTracker("cam", new TrackerOptions { LostTimeout = TimeSpan.FromSeconds(0.5) });
        Run(tracker, 0);
        var first = tracker.Update(s_start + s_frame, [Person(0, 100, 50)]);
        Assert.Equal(TrackStatus.Tentative, Assert.Single(first).Status);
        var second = tracker.Update(s_start + (2 * s_frame), [Person(0, 102, 50)]);
        Assert.Equal(TrackStatus.Confirmed, Assert.Single(second).Status);

        var states = new List<TrackState>();
        for (int f = 3; f < 12; f++)
            states.AddRange(tracker.Update(s_start + (f * s_frame), []));

        Assert.Contains(states, s => s.Status == TrackStatus.Lost);
        Assert.Single(states, s => s.Status == TrackStatus.Removed);
        Assert.Empty(tracker.Tracks);
    }

    [Fact]
    public void A_new_small_person_survives_frames_that_did_not_look_for_small_people_and_a_tall_one_or_a_searched_frame_ends_it()
    {
        // Frame 1 is read as tiles and finds a far person (30 px) and a near one (100 px); frames 2 and 3 are read whole
        // and find neither: people under 60 px were not looked for there.
        var tracker = new CameraTracker("cam");
        Run(tracker, 0);
        var first = tracker.Update(s_start + s_frame, [Person(0, 100, 50, h: 30, w: 12), Person(1, 300, 50)]);
        Assert.All(first, s => Assert.Equal(TrackStatus.Tentative, s.Status));
        var farId = first.Single(s => s.Box.Height < 50).TrackId;

        var second = tracker.Update(s_start + (2 * s_frame), [], unsearchedBelowHeight: 60);
        var third = tracker.Update(s_start + (3 * s_frame), [], unsearchedBelowHeight: 60);

        Assert.Equal(TrackStatus.Removed, second.Single(s => s.TrackId != farId).Status); // the near one was looked for
        Assert.Equal(farId, Assert.Single(third).TrackId);
        Assert.Equal(TrackStatus.Tentative, third[0].Status);
        // Found again on the next tiled frame: confirmed, the same track.
        var fourth = tracker.Update(s_start + (4 * s_frame), [Person(0, 101, 50, h: 30, w: 12)]);
        Assert.Equal((farId, TrackStatus.Confirmed), (Assert.Single(fourth).TrackId, fourth[0].Status));

        // Lost for longer than the timeout (1 s) on frames that did not look for it, it waits for one that does.
        for (int f = 5; f < 25; f++)
            Assert.Equal(TrackStatus.Lost, Assert.Single(tracker.Update(s_start + (f * s_frame), [], unsearchedBelowHeight: 60)).Status);
        var found = tracker.Update(s_start + (25 * s_frame), [Person(0, 102, 50, h: 30, w: 12)]);
        Assert.Equal((farId, TrackStatus.Confirmed), (Assert.Single(found).TrackId, found[0].Status));
        for (int f = 26; f < 36; f++)
            tracker.Update(s_start + (f * s_frame), [], unsearchedBelowHeight: 60);
        Assert.Equal(TrackStatus.Removed, Assert.Single(tracker.Update(s_start + (36 * s_frame), [])).Status); // a frame that looked

        // A new small person missing from a frame that looked for everyone is ended, as before.
        var other = new CameraTracker("cam2");
        Run(other, 0);
        other.Update(s_start + s_frame, [Person(0, 100, 50, h: 30, w: 12)]);
        Assert.Equal(TrackStatus.Removed, Assert.Single(other.Update(s_start + (2 * s_frame), [])).Status);
    }

    [Fact]
    public void Bad_options_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new CameraTracker("cam", new TrackerOptions { LowScore = 0.8f, HighScore = 0.5f }));
        Assert.Throws<ArgumentException>(() => new CameraTracker("cam", new TrackerOptions { EmbeddingMomentum = 1 }));
        Assert.Throws<ArgumentException>(() => new CameraTracker("bad id!"));
    }
}
