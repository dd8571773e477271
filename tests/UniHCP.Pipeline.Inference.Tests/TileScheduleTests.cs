using Microsoft.Extensions.Logging.Abstractions;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Transport;
using UniHCP.Pipeline.Core.Transport.InProcess;
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
    public async Task A_frame_read_whole_on_a_tiled_camera_finds_what_the_whole_frame_finds_and_says_how_small_a_missing_person_may_be()
    {
        TorchRuntime.EnsureLoaded();
        var decoded = await VideoFrames.ReadAsync(SampleVideo.Locate(), i => i == 400);
        var f = decoded[0];
        VideoFrame Frame(string camera) => new(camera, 0, DateTimeOffset.UnixEpoch, TimeSpan.Zero, f.Width, f.Height, PixelFormat.Rgb24, f.Rgb);
        using var engine = Engine(tasks: []);

        var results = engine.Process([Frame("far"), Frame("far"), Frame("near"), Frame("near")], null, [false, true, false, true]);

        // 768x576 in 2 x 2 tiles of 384... x 330 px: a tile keeps people under 0.4 of its height, 132 px.
        Assert.Equal([0f, 132f, 0f, 0f], results.Select(r => r.UnsearchedBelowHeight));
        Assert.True(results[0].Persons.Count > results[1].Persons.Count, $"tiles found {results[0].Persons.Count}, the whole frame {results[1].Persons.Count}");
        // Read as "near" is (same batch, so the same numbers up to the kernels' order of summation).
        Assert.Equal(results[2].Persons.Count, results[1].Persons.Count);
        Assert.All(results[1].Persons.Zip(results[2].Persons), p => Assert.True(p.First.Box.IoU(p.Second.Box) > 0.99f && Math.Abs(p.First.Score - p.Second.Score) < 1e-3f));
        Assert.Throws<ArgumentException>(() => engine.Process([Frame("far")], null, [true, false]));
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
        await using var transport = new InProcessTransport();
        var input = transport.Subscribe(Topics.Frames, "inference");
        var output = transport.Subscribe(Topics.Persons, "test");
        var running = stage.RunAsync(input, transport.CreatePublisher(Topics.Persons), CancellationToken.None);
        var publisher = transport.CreatePublisher(Topics.Frames);
        foreach (var frame in frames)
            await publisher.PublishAsync(frame, OverflowPolicy.Wait, CancellationToken.None);
        publisher.Complete();
        var published = new List<PersonObservations>();
        await foreach (var delivery in output.ReadAllAsync(CancellationToken.None))
        {
            if (delivery.Event is { } observations)
                published.Add(observations);
        }
        await running;

        Assert.Equal(Enumerable.Range(0, 8).Select(i => (long)i), published.Select(p => p.FrameSequence));
        Assert.Equal([0L, 3, 6], published.Where(p => p.UnsearchedBelowHeight == 0).Select(p => p.FrameSequence));
        Assert.All(published.Where(p => p.UnsearchedBelowHeight > 0), p => Assert.Equal(132f, p.UnsearchedBelowHeight));
        Assert.Equal(3, stage.Counters.TiledFrames);
        Assert.Equal(8 + (3 * 4), stage.Counters.DetectionPasses);
        Assert.Contains(published, p => p.Persons.Any(person => person.Embedding.Length > 0));
        var error = Assert.Throws<ArgumentException>(() => new InferenceStageOptions { DetectionTilesEvery = 0 }.Validate());
        Assert.Contains("DetectionTilesEvery must be 1-1000 (got 0)", error.Message, StringComparison.Ordinal);
    }

    private static PerceptionEngine Engine(string[] tasks) => new PerceptionEngineBuilder().WithWeights(RepositoryModels.DefaultWeights)
        .WithOptions(new PerceptionOptions { Tasks = tasks, Precision = Precision.Float32, CameraDetectionTiles = new Dictionary<string, int> { ["far"] = 2 } }).Build();
}
