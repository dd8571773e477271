using Microsoft.Extensions.Logging.Abstractions;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Transport;
using UniHCP.Pipeline.Core.Transport.InProcess;
using UniHCP.Pipeline.Tracking.CrossCamera;
using UniHCP.Pipeline.Tracking.PerCamera;
using UniHCP.Pipeline.Tracking.Stage;

namespace UniHCP.Pipeline.Tracking.Tests;

/// <summary>The two tracking stages over the in-process transport: per-camera tracking, then identities from its
/// track updates alone.</summary>
public sealed class TrackingStagesTests
{
    private static readonly DateTimeOffset s_t0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly float[] s_alice = [0.9f, 0.1f, 0.2f, 0.1f];
    private static readonly float[] s_bob = [0.1f, 0.9f, 0.1f, 0.3f];

    [Fact]
    public async Task The_identities_stage_links_one_person_across_two_cameras_from_track_updates_alone()
    {
        await using var transport = new InProcessTransport();
        var persons = transport.Subscribe(Topics.Persons, "tracking");
        var updates = transport.Subscribe(Topics.Tracks, "identities");
        var identities = transport.Subscribe(Topics.Identities, "test");
        var tracking = new TrackingStage(new TrackerOptions(), new CountingTrackIds(), NullLogger<TrackingStage>.Instance);
        var linking = new IdentitiesStage(new IdentityOptions { MinSimilarity = 0.75, MergeSimilarity = 0.85 }, 1, NullLogger<IdentitiesStage>.Instance);
        var stages = Task.WhenAll(
            tracking.RunAsync(persons, transport.CreatePublisher(Topics.Tracks), CancellationToken.None),
            linking.RunAsync(updates, transport.CreatePublisher(Topics.Identities), CancellationToken.None));
        var publisher = transport.CreatePublisher(Topics.Persons);

        // Alice and Bob on the hall camera; a second later Alice alone on the door camera (a slightly different view).
        for (int f = 0; f < 20; f++)
        {
            await publisher.PublishAsync(Frame("hall", f, Person(0, 100 + (5 * f), s_alice), Person(1, 400 + (5 * f), s_bob)), OverflowPolicy.Wait, CancellationToken.None);
            if (f >= 10)
                await publisher.PublishAsync(Frame("door", f, Person(0, 50 + (5 * f), [0.85f, 0.15f, 0.25f, 0.05f])), OverflowPolicy.Wait, CancellationToken.None);
        }
        publisher.Complete();
        var events = new List<IdentityEvent>();
        await foreach (var delivery in identities.ReadAllAsync(CancellationToken.None))
        {
            if (delivery.Event is { } e)
                events.Add(e);
        }
        await stages;

        var assigned = events.Where(e => e.Kind == IdentityEventKind.Assigned).ToList();
        Assert.Equal(3, assigned.Count); // three tracks: Alice and Bob in the hall, Alice at the door
        long alice = assigned.Single(e => e.CameraId == "hall" && e.TrackId == 1).IdentityId;
        long bob = assigned.Single(e => e.CameraId == "hall" && e.TrackId == 2).IdentityId;
        Assert.NotEqual(alice, bob);
        Assert.Equal(alice, assigned.Single(e => e.CameraId == "door").IdentityId);
        Assert.Equal(2, linking.Identities);
        Assert.Equal(3, tracking.TracksStarted);
    }

    [Fact]
    public async Task A_camera_tracked_anew_takes_ids_from_a_fresh_block_never_reusing_one()
    {
        var ids = new CountingTrackIds();
        var first = await RunTrackerAsync(ids, from: 0);
        // A second tracker process takes the camera over (a rebalance or a restart): its tracks start fresh.
        var second = await RunTrackerAsync(ids, from: 10);

        Assert.NotEmpty(first);
        Assert.NotEmpty(second);
        Assert.Empty(first.Intersect(second));
        Assert.True(second.Min() > TrackingStage.IdBlockSize, $"the second tracker's ids come from the next block ({second.Min()})");
    }

    [Fact]
    public async Task A_far_person_seen_only_on_tiled_frames_becomes_one_track_when_the_frames_between_say_they_did_not_look()
    {
        // Tiles on every third frame find a far person (100 px tall here); the frames between are read whole and do not.
        async Task<List<TrackUpdate>> TrackAsync(float unsearchedBelowHeight)
        {
            await using var transport = new InProcessTransport();
            var persons = transport.Subscribe(Topics.Persons, "tracking");
            var updates = transport.Subscribe(Topics.Tracks, "test");
            var stage = new TrackingStage(new TrackerOptions(), new CountingTrackIds(), NullLogger<TrackingStage>.Instance);
            var run = stage.RunAsync(persons, transport.CreatePublisher(Topics.Tracks), CancellationToken.None);
            var publisher = transport.CreatePublisher(Topics.Persons);
            await publisher.PublishAsync(Frame("hall", 0), OverflowPolicy.Wait, CancellationToken.None);
            for (int f = 1; f < 13; f++)
            {
                var frame = f % 3 == 1 ? Frame("hall", f, Person(0, 100 + f, s_alice)) : Frame("hall", f) with { UnsearchedBelowHeight = unsearchedBelowHeight };
                await publisher.PublishAsync(frame, OverflowPolicy.Wait, CancellationToken.None);
            }
            publisher.Complete();
            var all = new List<TrackUpdate>();
            await foreach (var delivery in updates.ReadAllAsync(CancellationToken.None))
                all.AddRange(delivery.Event is { } update ? [update] : []);
            await run;
            return all;
        }

        var told = await TrackAsync(unsearchedBelowHeight: 132);
        var tracked = told.SelectMany(u => u.Tracks).Select(t => t.TrackId).Distinct().ToList();
        Assert.Equal(1, Assert.Single(tracked));
        // Confirmed on its second tiled frame (4), lost on the frames between after it (the store fills those gaps).
        Assert.Equal(TrackStatus.Confirmed, told.Single(u => u.FrameSequence == 4).Tracks.Single().Status);
        Assert.Equal(TrackStatus.Lost, told.Single(u => u.FrameSequence == 5).Tracks.Single().Status);
        Assert.Equal(TrackStatus.Confirmed, told.Single(u => u.FrameSequence == 10).Tracks.Single().Status);
        // Not told: every sighting is a new person seen once, never confirmed, so no track is reported.
        Assert.Empty((await TrackAsync(unsearchedBelowHeight: 0)).SelectMany(u => u.Tracks));
    }

    private static async Task<HashSet<long>> RunTrackerAsync(ITrackIdSource ids, int from)
    {
        await using var transport = new InProcessTransport();
        var persons = transport.Subscribe(Topics.Persons, "tracking");
        var updates = transport.Subscribe(Topics.Tracks, "test");
        var stage = new TrackingStage(new TrackerOptions(), ids, NullLogger<TrackingStage>.Instance);
        var run = stage.RunAsync(persons, transport.CreatePublisher(Topics.Tracks), CancellationToken.None);
        var publisher = transport.CreatePublisher(Topics.Persons);
        for (int f = from; f < from + 10; f++)
            await publisher.PublishAsync(Frame("hall", f, Person(0, 100 + (5 * f), s_alice)), OverflowPolicy.Wait, CancellationToken.None);
        publisher.Complete();
        var seen = new HashSet<long>();
        await foreach (var delivery in updates.ReadAllAsync(CancellationToken.None))
            seen.UnionWith(delivery.Event?.Tracks.Select(t => t.TrackId) ?? []);
        await run;
        return seen;
    }

    private static PersonObservations Frame(string camera, int frame, params PersonObservation[] persons) =>
        new(camera, frame, s_t0.AddSeconds(frame / 10.0), 768, 576, "test", persons);

    private static PersonObservation Person(int index, float x, float[] embedding) =>
        new(index, new BoundingBox(x, 100, x + 40, 200), 0.9f, Embedding: embedding);
}
