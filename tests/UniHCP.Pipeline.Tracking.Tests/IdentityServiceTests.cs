using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Tracking.CrossCamera;
using UniHCP.Pipeline.Tracking.PerCamera;

namespace UniHCP.Pipeline.Tracking.Tests;

/// <summary>Synthetic multi-camera scenes: real per-camera trackers feed the identity service frame by frame.</summary>
public sealed class IdentityServiceTests
{
    private static readonly DateTimeOffset s_t0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static readonly float[] s_alice = Unit([0.9f, 0.1f, 0.2f, 0.1f]);
    private static readonly float[] s_alice2 = Unit([0.85f, 0.15f, 0.25f, 0.05f]); // Alice seen by another camera
    private static readonly float[] s_bob = Unit([0.1f, 0.9f, 0.1f, 0.3f]);
    private static readonly float[] s_carol = Unit([0.2f, 0.1f, 0.9f, 0.2f]);

    private sealed class Scene(IdentityOptions options)
    {
        private readonly Dictionary<string, CameraTracker> _trackers = [];

        public IdentityService Identities { get; } = new(options);

        public List<IdentityEvent> Events { get; } = [];

        /// <summary>People walk in front of a camera from second <paramref name="from"/> to <paramref name="to"/> (10 frames/s).</summary>
        public Dictionary<float[], long> Walk(string camera, double from, double to, params float[][] people)
        {
            if (!_trackers.TryGetValue(camera, out var tracker))
                _trackers[camera] = tracker = new CameraTracker(camera, new TrackerOptions { LostTimeout = TimeSpan.FromSeconds(0.5) });
            var trackOf = new Dictionary<float[], long>();
            for (double t = from; t <= to + 1e-9; t += 0.1)
            {
                var time = s_t0 + TimeSpan.FromSeconds(t);
                var detections = people.Select((p, i) => new TrackerDetection(i, new Core.Events.BoundingBox((float)(100 + (300 * i) + (10 * (t - from))), 50, (float)(140 + (300 * i) + (10 * (t - from))), 150), 0.9f, p)).ToList();
                foreach (var state in tracker.Update(time, detections))
                {
                    if (state.Status == TrackStatus.Removed)
                        Identities.TrackEnded(camera, state.TrackId);
                    else if (state.DetectionIndex is { } index)
                        trackOf[people[index]] = state.TrackId;
                }
                Events.AddRange(Identities.Observe(camera, time, tracker.Tracks));
            }
            // The people leave: their tracks are lost, then removed.
            for (int k = 1; k <= 10; k++)
            {
                var time = s_t0 + TimeSpan.FromSeconds(to + (0.1 * k));
                foreach (var state in tracker.Update(time, []).Where(s => s.Status == TrackStatus.Removed))
                    Identities.TrackEnded(camera, state.TrackId);
            }
            return trackOf;
        }

        public long IdentityOf(string camera, long track) =>
            Events.Last(e => e.CameraId == camera && e.TrackId == track).IdentityId;
    }

    /// <summary>Fixed thresholds: these scenes have too few people together to learn them.</summary>
    private static IdentityOptions Fixed => new() { MinSimilarity = 0.75, MergeSimilarity = 0.85 };

    private static IdentityOptions Corridor => Fixed with
    {
        Links = [new CameraLink("entrance", "hall", TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(60))],
    };

    [Fact]
    public void A_person_walking_to_a_linked_camera_within_the_transit_time_keeps_the_identity()
    {
        var scene = new Scene(Corridor);
        var atEntrance = scene.Walk("entrance", 0, 3, s_alice);
        var inHall = scene.Walk("hall", 20, 23, s_alice2);

        long first = scene.IdentityOf("entrance", atEntrance[s_alice]);
        Assert.Equal(first, scene.IdentityOf("hall", inHall[s_alice2]));
        var link = scene.Events.First(e => e.CameraId == "hall");
        Assert.Equal(IdentityEventKind.Assigned, link.Kind);
        Assert.True(link.Similarity >= 0.75);
    }

    [Theory]
    [InlineData(5.5)]   // 2 s after leaving: faster than anyone walks the corridor (5 s at least)
    [InlineData(120)]   // 2 minutes later: longer than the link allows
    public void No_link_breaks_the_transit_time(double arrival)
    {
        var scene = new Scene(Corridor);
        var atEntrance = scene.Walk("entrance", 0, 3, s_alice);
        var inHall = scene.Walk("hall", arrival, arrival + 3, s_alice2);

        Assert.NotEqual(scene.IdentityOf("entrance", atEntrance[s_alice]), scene.IdentityOf("hall", inHall[s_alice2]));
    }

    [Fact]
    public void Cameras_without_a_link_are_never_linked_and_different_people_stay_apart()
    {
        var scene = new Scene(Corridor);
        var atEntrance = scene.Walk("entrance", 0, 3, s_alice, s_bob);
        var inStore = scene.Walk("storeroom", 20, 23, s_alice2);
        var inHall = scene.Walk("hall", 20, 23, s_bob);

        Assert.NotEqual(scene.IdentityOf("entrance", atEntrance[s_alice]), scene.IdentityOf("storeroom", inStore[s_alice2]));
        Assert.Equal(scene.IdentityOf("entrance", atEntrance[s_bob]), scene.IdentityOf("hall", inHall[s_bob]));
        Assert.NotEqual(scene.IdentityOf("entrance", atEntrance[s_alice]), scene.IdentityOf("entrance", atEntrance[s_bob]));
    }

    [Fact]
    public void Two_simultaneous_tracks_on_one_camera_never_share_an_identity()
    {
        var scene = new Scene(Fixed);
        var first = scene.Walk("entrance", 0, 3, s_alice);
        // Two people who both look like Alice appear together on the next camera.
        var later = scene.Walk("hall", 20, 25, s_alice2, s_alice);

        long a = scene.IdentityOf("hall", later[s_alice2]);
        long b = scene.IdentityOf("hall", later[s_alice]);
        Assert.NotEqual(a, b);
        Assert.Contains(scene.IdentityOf("entrance", first[s_alice]), new[] { a, b });
    }

    [Fact]
    public void Identities_that_keep_looking_alike_are_merged()
    {
        var options = Fixed with { MinTrackHits = 3, MergeEvidence = 3 };
        var scene = new Scene(options);
        var entrance = scene.Walk("entrance", 0, 3, s_alice);
        long alice = scene.IdentityOf("entrance", entrance[s_alice]);

        // In the hall, Alice is first seen half turned away (her first embeddings look like nobody
        // known), so her track starts a new identity; as she turns, her appearance memory converges
        // to Alice's and the evidence for a merge accumulates.
        var tracker = new CameraTracker("hall");
        long track = 0;
        for (int f = 0; f < 40; f++)
        {
            var time = s_t0 + TimeSpan.FromSeconds(20 + (0.1 * f));
            float[] look = f < 4 ? s_bob : s_alice2;
            var states = tracker.Update(time, [new TrackerDetection(0, new BoundingBox(100 + f, 50, 140 + f, 150), 0.9f, look)]);
            track = states.Single().TrackId;
            scene.Events.AddRange(scene.Identities.Observe("hall", time, tracker.Tracks));
        }

        var assigned = scene.Events.First(e => e.CameraId == "hall" && e.Kind == IdentityEventKind.Assigned);
        Assert.NotEqual(alice, assigned.IdentityId);
        var merged = Assert.Single(scene.Events, e => e.Kind == IdentityEventKind.Merged);
        Assert.Equal(("hall", track, alice, assigned.IdentityId), (merged.CameraId, merged.TrackId, merged.IdentityId, merged.MergedFrom!.Value));
        Assert.Equal(alice, scene.Identities.IdentityOf("hall", track));
    }

    /// <summary>A person as a model with compressed features sees them: a large part every embedding shares plus a
    /// personal part, so that different people are about 0.9 alike (the CPU default's trained ReID spreads them so).</summary>
    private static float[] LookAlike(Random random, float[]? person = null, double personal = 0.45, int size = 16)
    {
        var v = new float[size];
        for (int i = 0; i < size; i++)
            v[i] = person is null ? (float)(1 + (personal * Gaussian(random))) : person[i] + (float)(0.02 * Gaussian(random));
        return Unit(v);
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>
    /// Different people a compressed model places about 0.8 alike: the learned join threshold (the quantile of the
    /// pairs seen together that a stranger compared with N identities exceeds with a chance of 5 %) keeps strangers
    /// apart and still lets a person seen again join their own identity. The fixed 0.75 lets every stranger join someone. (Merges
    /// are left out - MergeEvidence is out of reach - to look at the join alone.)
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Thresholds_learned_from_people_seen_together_keep_strangers_apart_where_fixed_ones_let_them_join_someone(bool learned)
    {
        var random = new Random(5); // a local generator: the same people on every run
        var crowd = Enumerable.Range(0, 25).Select(_ => LookAlike(random)).ToArray();
        var strangers = Enumerable.Range(0, 8).Select(_ => LookAlike(random)).ToArray();
        var options = (learned ? new IdentityOptions() : Fixed) with { MergeEvidence = int.MaxValue };
        var scene = new Scene(options);

        // 25 people together at the entrance (300 pairs: different people for certain); three of them later alone
        // in the hall (a slightly different view); then eight people never seen before, one after another.
        var entrance = scene.Walk("entrance", 0, 3, crowd);
        var again = Enumerable.Range(0, 3).Select(k => scene.Walk("hall", 20 + (5 * k), 22 + (5 * k), LookAlike(random, crowd[k])).Single().Value).ToList();
        var newcomers = strangers.Select((p, k) => scene.Walk("hall", 40 + (5 * k), 42 + (5 * k), p)[p]).ToList();

        var known = crowd.Select(p => scene.IdentityOf("entrance", entrance[p])).ToList();
        Assert.Equal(25, known.Distinct().Count());
        Assert.Equal(known.Take(3), again.Select(t => scene.IdentityOf("hall", t)));
        int joinedSomeone = newcomers.Count(t => known.Contains(scene.IdentityOf("hall", t)));
        if (learned)
        {
            Assert.Equal(300, scene.Identities.CalibrationPairs);
            Assert.InRange(scene.Identities.JoinSimilarity!.Value, 0.75, 0.99);
            Assert.True(joinedSomeone <= 1, $"{joinedSomeone} of 8 strangers joined a known identity");
        }
        else
        {
            Assert.Equal(8, joinedSomeone);
        }
    }

    [Fact]
    public void Until_enough_people_were_seen_together_identities_wait_and_then_reach_the_tracks_that_waited()
    {
        var scene = new Scene(new IdentityOptions { CalibrationPairs = 2 });
        var first = scene.Walk("entrance", 0, 3, s_alice);
        var hall = scene.Walk("hall", 20, 23, s_alice2);
        Assert.Empty(scene.Events);
        Assert.Null(scene.Identities.JoinSimilarity);

        // Alice and Bob together: one pair; Alice and Bob together again on another camera: the second.
        var together = scene.Walk("entrance", 30, 33, s_alice, s_bob);
        Assert.Empty(scene.Events);
        var again = scene.Walk("hall", 40, 43, s_alice2, s_bob);
        Assert.Equal(2, scene.Identities.CalibrationPairs);
        Assert.Equal(2, scene.Events.Select(e => e.IdentityId).Distinct().Count());

        // The tracks that ended while the thresholds were unknown were linked when they became known, each as of
        // its last sighting: Alice's first three tracks are the identity of her fourth, Bob's first his second's.
        long alice = scene.IdentityOf("hall", again[s_alice2]);
        Assert.Equal([alice, alice, alice], [scene.IdentityOf("entrance", first[s_alice]), scene.IdentityOf("hall", hall[s_alice2]), scene.IdentityOf("entrance", together[s_alice])]);
        Assert.Equal(scene.IdentityOf("hall", again[s_bob]), scene.IdentityOf("entrance", together[s_bob]));
        Assert.NotEqual(alice, scene.IdentityOf("hall", again[s_bob]));
        var late = scene.Events.Single(e => e.CameraId == "entrance" && e.TrackId == first[s_alice]);
        Assert.Equal((IdentityEventKind.Assigned, s_t0 + TimeSpan.FromSeconds(3)), (late.Kind, late.Time));
        Assert.Equal(4, scene.Identities.LinkedAfterWaiting); // the four ended tracks; the last two never waited
        Assert.Null(scene.Identities.IdentityOf("entrance", first[s_alice])); // ended: it holds no camera
    }

    [Fact]
    public void Tracks_that_waited_together_on_one_camera_never_share_an_identity()
    {
        // Two people who look alike pass the entrance together before anything is learned; then Bob and Carol are
        // seen together (the pair that teaches the thresholds).
        var scene = new Scene(new IdentityOptions { CalibrationPairs = 2 });
        var twins = scene.Walk("entrance", 0, 3, s_alice, s_alice2);
        scene.Walk("hall", 20, 25, s_bob, s_carol);

        Assert.NotEqual(scene.IdentityOf("entrance", twins[s_alice]), scene.IdentityOf("entrance", twins[s_alice2]));
    }

    [Fact]
    public void When_every_input_ended_before_enough_pairs_the_pairs_seen_teach_the_thresholds_and_the_waiting_tracks_get_identities()
    {
        // A short recording: one pair of people seen together where three were asked for; at least one suffices at the end.
        var scene = new Scene(new IdentityOptions { CalibrationPairs = 3, EndOfInputPairs = 1 });
        var first = scene.Walk("entrance", 0, 3, s_alice);
        var together = scene.Walk("hall", 20, 23, s_alice2, s_bob);
        Assert.Empty(scene.Events);

        var events = scene.Identities.InputEnded();

        Assert.NotNull(scene.Identities.JoinSimilarity);
        Assert.Equal(3, events.Count);
        long alice = events.Single(e => e.CameraId == "entrance" && e.TrackId == first[s_alice]).IdentityId;
        Assert.Equal(alice, events.Single(e => e.CameraId == "hall" && e.TrackId == together[s_alice2]).IdentityId);
        Assert.NotEqual(alice, events.Single(e => e.CameraId == "hall" && e.TrackId == together[s_bob]).IdentityId);
        Assert.Empty(scene.Identities.InputEnded()); // once known, the end of the input changes nothing

        // Fewer pairs than EndOfInputPairs, or 0 (never): the tracks keep waiting, no identities.
        var quiet = new Scene(new IdentityOptions { CalibrationPairs = 3, EndOfInputPairs = 2 });
        quiet.Walk("hall", 20, 23, s_alice2, s_bob);
        Assert.Empty(quiet.Identities.InputEnded());
        Assert.Null(quiet.Identities.JoinSimilarity);
        var never = new Scene(new IdentityOptions { CalibrationPairs = 3, EndOfInputPairs = 0 });
        never.Walk("hall", 20, 23, s_alice2, s_bob);
        Assert.Empty(never.Identities.InputEnded());
    }

    [Fact]
    public void Pairs_remembered_from_an_earlier_run_give_identities_from_the_first_settled_track()
    {
        // The earlier run: one pair of people seen together in the hall, where two are needed; nothing given.
        var earlier = new Scene(new IdentityOptions { CalibrationPairs = 2, EndOfInputPairs = 0 });
        earlier.Walk("hall", 0, 3, s_alice, s_bob);
        Assert.Empty(earlier.Events);
        var remembered = earlier.Identities.PairsToRemember("hall");
        Assert.Single(remembered.Similarities);
        Assert.Equal(s_alice.Length, remembered.EmbeddingLength);
        Assert.Empty(earlier.Identities.PairsToRemember("door").Similarities);

        // Restarted with what the hall remembered, one more pair is enough, and the tracks that waited get identities.
        var restarted = new Scene(new IdentityOptions { CalibrationPairs = 2, EndOfInputPairs = 0 });
        Assert.True(restarted.Identities.RememberPairs("hall", remembered));
        Assert.Null(restarted.Identities.JoinSimilarity);
        var hall = restarted.Walk("hall", 10, 13, s_alice2, s_carol);
        Assert.NotNull(restarted.Identities.JoinSimilarity);
        Assert.Equal(2, restarted.Events.Select(e => e.TrackId).Distinct().Count());
        Assert.NotEqual(restarted.IdentityOf("hall", hall[s_alice2]), restarted.IdentityOf("hall", hall[s_carol]));
        // Both runs' pairs are remembered for the next one, oldest first.
        var both = restarted.Identities.PairsToRemember("hall");
        Assert.Equal(2, both.Similarities.Length);
        Assert.Equal(remembered.Similarities[0], both.Similarities[0]);

        // With enough remembered, the first settled track of a restart has its identity at once.
        var again = new Scene(new IdentityOptions { CalibrationPairs = 2, EndOfInputPairs = 0 });
        Assert.True(again.Identities.RememberPairs("hall", both));
        Assert.NotNull(again.Identities.JoinSimilarity);
        var door = again.Walk("door", 20, 21, s_bob);
        Assert.Contains(again.Events, e => e.CameraId == "door" && e.TrackId == door[s_bob]);

        // Pairs measured on embeddings of another length are about other weights: refused, nothing added.
        Assert.False(again.Identities.RememberPairs("lobby", new RememberedPairs(512, [0.5f, 0.6f])));
        Assert.Empty(again.Identities.PairsToRemember("lobby").Similarities);
    }

    [Fact]
    public void Remembered_pairs_that_are_not_cosines_say_what_is_wrong()
    {
        Assert.Null(new RememberedPairs(4, [0.1f, -0.9f, 1f]).Problem());
        Assert.Equal("embedding length 0 is not positive", new RememberedPairs(0, [0.1f]).Problem());
        Assert.Equal("similarity 1 (NaN) is not a cosine in [-1, 1]", new RememberedPairs(4, [0.1f, float.NaN]).Problem());
        Assert.Equal("similarity 0 (3) is not a cosine in [-1, 1]", new RememberedPairs(4, [3f]).Problem());
    }

    [Fact]
    public void Bad_options_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new IdentityService(new IdentityOptions { MinSimilarity = 0.9, MergeSimilarity = 0.8 }));
        Assert.Throws<ArgumentException>(() => new IdentityService(new IdentityOptions { FalseJoinRate = 0 }));
        Assert.Throws<ArgumentException>(() => new IdentityService(new IdentityOptions { CalibrationPairs = 0 }));
        Assert.Throws<ArgumentException>(() => new IdentityService(new IdentityOptions { EndOfInputPairs = -1 }));
        Assert.Throws<ArgumentException>(() => new IdentityService(new IdentityOptions { Links = [new CameraLink("a", "b", TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1))] }));
    }

    private static float[] Unit(float[] v)
    {
        double n = Math.Sqrt(v.Sum(x => x * (double)x));
        return v.Select(x => (float)(x / n)).ToArray();
    }
}
