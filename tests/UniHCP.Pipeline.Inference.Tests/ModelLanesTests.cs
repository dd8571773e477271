using Microsoft.Extensions.Logging.Abstractions;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Transport;
using UniHCP.Pipeline.Core.Transport.InProcess;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Inference.Stage;
using UniHCP.Pipeline.Ingest;
using UniHCP.Pipeline.Tracking.PerCamera;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Inference.Tests;

/// <summary>The inference stage's model lanes: batches analysed side by side publish what one lane publishes, in the
/// same order, with the person-task planning still in frame order. Changes the process's libtorch thread count for a
/// moment, so it runs apart from other tests.</summary>
[Collection(nameof(ModelThreadTests))]
public sealed class ModelLanesTests
{
    [Fact]
    public async Task Two_lanes_publish_exactly_what_one_lane_publishes_in_the_same_order()
    {
        TorchRuntime.EnsureLoaded();
        var decoded = await VideoFrames.ReadAsync(SampleVideo.Locate(), i => i is >= 300 and < 318);
        // Two cameras (the second a copy of the first, half a second behind), so that batches mix them.
        var start = new DateTimeOffset(2026, 12, 3, 9, 0, 0, TimeSpan.Zero);
        var frames = new List<VideoFrame>();
        foreach (var f in decoded)
        {
            long i = f.Index - 300;
            frames.Add(new VideoFrame("a", i, start.AddMilliseconds(100 * i), TimeSpan.FromMilliseconds(100 * i), f.Width, f.Height, PixelFormat.Rgb24, f.Rgb));
            if (i >= 5)
                frames.Add(new VideoFrame("b", i - 5, start.AddMilliseconds(100 * i), TimeSpan.FromMilliseconds(100 * (i - 5)), f.Width, f.Height, PixelFormat.Rgb24, f.Rgb));
        }
        // The lanes set libtorch's process-wide count (what threads not yet started take) to theirs: both are put back.
        int requested = TorchRuntime.RequestedThreads, here = get_num_threads();
        try
        {
            // One libtorch thread per call in both runs: the same kernels, so the same numbers to the bit.
            TorchRuntime.RequestedThreads = 1;
            var one = await RunAsync(frames, lanes: 1);
            var two = await RunAsync(frames, lanes: 2);

            // Per camera: the transport keeps each camera's order, not the interleaving of cameras.
            foreach (string camera in new[] { "a", "b" })
                Assert.Equal(one.Where(r => r.CameraId == camera).Select(Describe), two.Where(r => r.CameraId == camera).Select(Describe));
            Assert.Equal(frames.Count + 2, one.Count); // every frame, then each camera's end of stream
            Assert.Contains(one, r => r.Observations?.Persons.Any(p => p.Embedding.Length > 0) == true); // the planner described people
        }
        finally
        {
            TorchRuntime.RequestedThreads = requested;
            set_num_threads(here);
        }
    }

    [Fact]
    public async Task Every_analysed_frame_is_published_while_no_more_input_comes()
    {
        // A source held back by its consumers' lag (ingest --max-lag over Kafka) sends nothing more until what it sent is
        // acknowledged; the stage must not keep its last batch waiting for the next one.
        TorchRuntime.EnsureLoaded();
        var decoded = await VideoFrames.ReadAsync(SampleVideo.Locate(), i => i is >= 300 and < 305);
        var engine = new PerceptionEngineBuilder().WithWeights(RepositoryModels.DefaultWeights)
            .WithOptions(new PerceptionOptions { Tasks = [], Precision = Precision.Float32 }).Build();
        var stage = new InferenceStage(engine, new InferenceStageOptions { BatchFrames = 2, ModelLanes = 2, ThumbnailHeight = 0, SnapshotEvery = TimeSpan.Zero },
            NullLogger<InferenceStage>.Instance);
        await using var transport = new InProcessTransport();
        var input = transport.Subscribe(Topics.Frames, "inference");
        var output = transport.Subscribe(Topics.Persons, "test");
        var running = stage.RunAsync(input, transport.CreatePublisher(Topics.Persons), CancellationToken.None);
        var publisher = transport.CreatePublisher(Topics.Frames);
        foreach (var f in decoded)
            await publisher.PublishAsync(new VideoFrame("a", f.Index - 300, DateTimeOffset.UnixEpoch.AddMilliseconds(100 * (f.Index - 300)), TimeSpan.Zero, f.Width, f.Height, PixelFormat.Rgb24, f.Rgb), OverflowPolicy.Wait, CancellationToken.None);

        // No more frames and no end of stream: all five come out anyway (the timeout only bounds a hang).
        var published = new List<long>();
        using (var waiting = new CancellationTokenSource(TimeSpan.FromMinutes(3)))
        {
            await foreach (var delivery in output.ReadAllAsync(waiting.Token))
            {
                published.Add(delivery.Event!.FrameSequence);
                output.Acknowledge(delivery);
                if (published.Count == decoded.Count)
                    break;
            }
        }
        publisher.Complete();
        await running;

        Assert.Equal([0L, 1, 2, 3, 4], published);
    }

    [Fact]
    public void Lanes_default_to_two_on_two_or_more_cores_and_share_the_threads()
    {
        Assert.Equal((2, 1), new InferenceStageOptions().Lanes(cores: 2, requestedThreads: 0));
        Assert.Equal((1, 1), new InferenceStageOptions().Lanes(cores: 1, requestedThreads: 0));
        Assert.Equal((2, 4), new InferenceStageOptions().Lanes(cores: 8, requestedThreads: 0));
        Assert.Equal((1, 2), new InferenceStageOptions { ModelLanes = 1 }.Lanes(cores: 2, requestedThreads: 0));
        Assert.Equal((3, 1), new InferenceStageOptions { ModelLanes = 3 }.Lanes(cores: 2, requestedThreads: 0));
        Assert.Equal((2, 3), new InferenceStageOptions().Lanes(cores: 2, requestedThreads: 6));
        var error = Assert.Throws<ArgumentException>(() => new InferenceStageOptions { ModelLanes = -1 }.Validate());
        Assert.Contains("ModelLanes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_turn_waits_for_every_earlier_turn_even_one_that_never_planned()
    {
        var turns = new PlanningTurns();
        var first = turns.Next();
        var second = turns.Next();
        var third = turns.Next();
        var order = new List<int>();
        var thirdPlans = Task.Run(() =>
        {
            third.Wait();
            lock (order)
                order.Add(3);
            third.End();
        });
        var secondEnds = Task.Run(second.End); // ends without planning: still only after the first
        await Task.Delay(50);
        Assert.False(thirdPlans.IsCompleted);
        Assert.False(secondEnds.IsCompleted);
        lock (order)
            order.Add(1);
        first.End();
        await Task.WhenAll(thirdPlans, secondEnds).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([1, 3], order);
        Assert.True(third.Ended.IsCompleted);
    }

    private static string Describe(Published r) => r.Notice is { } n
        ? $"notice {n.CameraId} {n.Kind}"
        : $"{r.Observations!.CameraId} {r.Observations.FrameSequence} " + string.Join(";", r.Observations.Persons.Select(p =>
            $"{p.Box} {p.Score} {p.Embedding.Length} {Hash(p.Embedding.Span)} {p.Parsing?.UpperColor}/{p.Parsing?.LowerColor}"));

    private static int Hash(ReadOnlySpan<float> values)
    {
        var hash = new HashCode();
        foreach (float v in values)
            hash.Add(BitConverter.SingleToInt32Bits(v));
        return hash.ToHashCode();
    }

    private sealed record Published(PersonObservations? Observations, CameraNotice? Notice)
    {
        public string CameraId => Notice?.CameraId ?? Observations!.CameraId;
    }

    private static async Task<List<Published>> RunAsync(List<VideoFrame> frames, int lanes)
    {
        var engine = new PerceptionEngineBuilder().WithWeights(RepositoryModels.DefaultWeights)
            .WithOptions(new PerceptionOptions { Tasks = ["reid"], Precision = Precision.Float32 }).Build();
        var options = new InferenceStageOptions
        {
            BatchFrames = 3,
            ModelLanes = lanes,
            ThumbnailHeight = 0,
            SnapshotEvery = TimeSpan.Zero,
            PersonTasksEvery = TimeSpan.FromSeconds(0.5),
            Tracker = new TrackerOptions(),
        };
        var stage = new InferenceStage(engine, options, NullLogger<InferenceStage>.Instance);
        var published = (await StageHarness.RunAsync(stage, frames, endStreams: true)).Select(d => new Published(d.Event, d.Notice)).ToList();
        Assert.Equal(lanes, stage.Counters.Lanes);
        return published;
    }
}
