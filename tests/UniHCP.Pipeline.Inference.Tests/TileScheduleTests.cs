using Microsoft.Extensions.Logging.Abstractions;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Inference.Stage;
using UniHCP.Pipeline.Ingest;
using UniHCP.Pipeline.Tracking.PerCamera;

namespace UniHCP.Pipeline.Inference.Tests;

/// <summary>Tiles on every Nth frame (Inference:DetectionTilesEvery): the engine reads the frames it is told to whole and
/// says which people may be missing from them; the stage picks a camera's first frame and every Nth after it, and
/// counts the passes. Runs a stage (its lanes set libtorch's thread count), so apart from other tests.</summary>
[Collection(nameof(ModelThreadTests))]
public sealed class TileScheduleTests
{
    [Fact]
    public async Task A_frame_read_with_fewer_tiles_finds_what_the_whole_frame_finds_and_more_and_says_how_small_a_missing_person_may_be()
    {
        TorchRuntime.EnsureLoaded();
        var decoded = await VideoFrames.ReadAsync(SampleVideo.Locate(), i => i == 400);
        var f = decoded[0];
        VideoFrame Frame(string camera) => new(camera, 0, DateTimeOffset.UnixEpoch, TimeSpan.Zero, f.Width, f.Height, PixelFormat.Rgb24, f.Rgb);
        using var engine = Engine(tasks: []);

        var results = engine.Process([Frame("far"), Frame("far"), Frame("far"), Frame("near"), Frame("near")], null,
            [null, [false, false, false, false], [true, false, false, true], null, [false]]);

        // 768x576 in 2 x 2 tiles of 439 x 330 px: a tile keeps people under 0.4 of its height, 132 px.
        Assert.Equal([0f, 132f, 132f, 0f, 0f], results.Select(r => r.UnsearchedBelowHeight));
        var (all, whole, two, near) = (results[0].Persons, results[1].Persons, results[2].Persons, results[3].Persons);
        Assert.True(all.Count > two.Count && two.Count > whole.Count, $"every tile {all.Count}, two tiles {two.Count}, the whole frame {whole.Count}");
        // Read whole, "far" finds what "near" does (same batch, so the same numbers up to the kernels' order of summation).
        Assert.Equal(near.Count, whole.Count);
        Assert.All(whole.Zip(near), p => Assert.True(p.First.Box.IoU(p.Second.Box) > 0.99f && Math.Abs(p.First.Score - p.Second.Score) < 1e-3f));
        Assert.All(whole, w => Assert.Contains(two, t => t.Box.IoU(w.Box) >= 0.5f));
        var error = Assert.Throws<ArgumentException>(() => engine.Process([Frame("far")], null, [[true, false]]));
        Assert.Contains("read in 4 tiles, not 2", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => engine.Process([Frame("far")], null, [null, null]));
    }

    [Fact]
    public async Task The_stage_tiles_a_camera_s_first_frame_and_every_third_after_it_and_counts_the_passes()
    {
        TorchRuntime.EnsureLoaded();
        var decoded = await VideoFrames.ReadAsync(SampleVideo.Locate(), i => i is >= 400 and < 408);
        var start = new DateTimeOffset(2026, 12, 5, 9, 0, 0, TimeSpan.Zero);
        var frames = decoded.Select(f => new VideoFrame("far", f.Index - 400, start.AddMilliseconds(100 * (f.Index - 400)),
            TimeSpan.FromMilliseconds(100 * (f.Index - 400)), f.Width, f.Height, PixelFormat.Rgb24, f.Rgb)).ToList();
        var options = new InferenceStageOptions
        {
            BatchFrames = 3,
            ThumbnailHeight = 0,
            SnapshotEvery = TimeSpan.Zero,
            PersonTasksEvery = TimeSpan.FromSeconds(0.5), // the planner's tracker is told too
            Tracker = new TrackerOptions(),
        };
        Assert.Equal(3, options.DetectionTilesEvery);
        var stage = new InferenceStage(Engine(tasks: ["reid"]), options, NullLogger<InferenceStage>.Instance);
        var published = (await StageHarness.RunAsync(stage, frames)).Select(d => d.Event).OfType<PersonObservations>().ToList();

        Assert.Equal(Enumerable.Range(0, 8).Select(i => (long)i), published.Select(p => p.FrameSequence));
        Assert.Equal([0L, 3, 6], published.Where(p => p.UnsearchedBelowHeight == 0).Select(p => p.FrameSequence));
        Assert.All(published.Where(p => p.UnsearchedBelowHeight > 0), p => Assert.Equal(132f, p.UnsearchedBelowHeight));
        Assert.Equal(3, stage.Counters.TiledFrames);
        Assert.Equal(8 + (3 * 4), stage.Counters.DetectionPasses);
        Assert.Contains(published, p => p.Persons.Any(person => person.Embedding.Length > 0));
        // The frames read whole hold the small people of the tiled frame before them (found again or carried over).
        foreach (var (tiled, between) in new[] { (0, 1), (0, 2), (3, 4), (3, 5), (6, 7) })
        {
            var small = published[tiled].Persons.Where(p => p.Box.Height <= 132).ToList();
            Assert.NotEmpty(small);
            Assert.All(small, p => Assert.Contains(published[between].Persons, q => q.Box.IoU(p.Box) >= 0.5f));
        }
        var error = Assert.Throws<ArgumentException>(() => new InferenceStageOptions { DetectionTilesEvery = 0 }.Validate());
        Assert.Contains("DetectionTilesEvery must be 1-1000 (got 0)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tiles_go_on_every_third_frame_and_one_without_small_people_is_skipped_until_its_probe()
    {
        var schedule = new TileSchedule(every: 3);
        VideoFrame Frame(long sequence) => new("cam", sequence, DateTimeOffset.UnixEpoch.AddSeconds(sequence / 25.0), TimeSpan.Zero, 1280, 720, PixelFormat.Rgb24, new byte[1280 * 720 * 3]);
        // 1280x720 in 2 x 2 tiles of 732 x 412: two far people in the top-left tile, a near one (200 px) in the bottom right.
        var found = new PersonObservations("cam", 0, DateTimeOffset.UnixEpoch, 1280, 720, "m",
        [
            new PersonObservation(0, new BoundingBox(100, 100, 120, 150), 0.9f),
            new PersonObservation(1, new BoundingBox(300, 200, 320, 250), 0.8f),
            new PersonObservation(2, new BoundingBox(1000, 400, 1080, 600), 0.9f),
        ]);

        Assert.Equal([true, true, true, true], schedule.Choose(Frame(0), grid: 2)!);
        Assert.Equal([false, false, false, false], schedule.Choose(Frame(1), grid: 2)!);
        Assert.Equal([false, false, false, false], schedule.Choose(Frame(2), grid: 2)!);
        schedule.Observe(batch: 5, found, [true, true, true, true]);
        schedule.ApplyUpTo(4); // not yet: what a batch found counts from two batches later
        Assert.Equal([true, true, true, true], schedule.Choose(Frame(3), grid: 2)!);
        schedule.ApplyUpTo(5);
        var chosen = Enumerable.Range(4, 30).Select(i => schedule.Choose(Frame(i), grid: 2)!).ToList();

        // Tiled frames 6, 9, ...: the top-left tile always; the others (nobody small inside) again on the sixth
        // tiled frame after their last reading (frame 3): frame 21.
        Assert.All(chosen.Where((_, k) => (k + 4) % 3 != 0), read => Assert.DoesNotContain(true, read));
        var tiled = chosen.Where((_, k) => (k + 4) % 3 == 0).ToList();
        Assert.All(tiled, read => Assert.True(read[0]));
        Assert.Equal([21L], chosen.Select((read, k) => (read, Frame: (long)(k + 4))).Where(c => c.read[1]).Select(c => c.Frame).Take(1));
        Assert.Null(schedule.Choose(Frame(40) with { CameraId = "lobby" }, grid: 1)); // read whole anyway
        schedule.Forget("cam");
        Assert.Equal([true, true, true, true], schedule.Choose(Frame(41), grid: 2)!); // a camera that comes back starts afresh
        Assert.Throws<ArgumentOutOfRangeException>(() => new TileSchedule(0));
    }

    [Fact]
    public void The_small_people_of_a_tiled_frame_are_carried_to_the_frames_read_whole_after_it_unless_found_again()
    {
        var carry = new SmallPeopleCarry();
        VideoFrame Frame(string camera, long sequence) => new(camera, sequence, DateTimeOffset.UnixEpoch, TimeSpan.Zero, 1280, 720, PixelFormat.Rgb24, new byte[1280 * 720 * 3]);
        var far = new Detection(new BoundingBox(100, 100, 120, 150), 0.8f);
        var farToo = new Detection(new BoundingBox(300, 200, 320, 250), 0.7f);
        var near = new Detection(new BoundingBox(600, 200, 700, 500), 0.9f); // 300 px: the whole frame's to find
        var farAgain = new Detection(new BoundingBox(102, 100, 122, 150), 0.6f);

        Assert.Equal([far, farToo, near], carry.Amend(Frame("cam", 0), [far, farToo, near], [true, true, false, true], smallBelowHeight: 165));
        var between = carry.Amend(Frame("cam", 1), [near, farAgain], [false, false, false, false], smallBelowHeight: 165);

        Assert.Equal([near, farAgain, farToo], between); // far was found again, farToo is carried
        Assert.Equal([near], carry.Amend(Frame("other", 1), [near], [false, false, false, false], 165)); // another camera holds nobody
        Assert.Equal([near], carry.Amend(Frame("lobby", 1), [near], null, 0)); // read whole anyway
        carry.Forget("cam");
        Assert.Equal([near], carry.Amend(Frame("cam", 2), [near], [false, false, false, false], 165));
    }

    private static PerceptionEngine Engine(string[] tasks) => new PerceptionEngineBuilder().WithWeights(RepositoryModels.DefaultWeights)
        .WithOptions(new PerceptionOptions { Tasks = tasks, Precision = Precision.Float32, CameraDetectionTiles = new Dictionary<string, int> { ["far"] = 2 } }).Build();
}
