using Microsoft.Extensions.Logging.Abstractions;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Geometry;
using UniHCP.Pipeline.Core.Transport;
using UniHCP.Pipeline.Core.Transport.InProcess;
using UniHCP.Pipeline.Hosting.Stages;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Inference.Stage;
using UniHCP.Pipeline.Ingest;
using UniHCP.Pipeline.Store.Tests;
using UniHCP.Pipeline.Store.Writing;
using UniHCP.Pipeline.Tests.Support;
using UniHCP.Pipeline.Tracking.PerCamera;

namespace UniHCP.Pipeline.Cli.Tests;

/// <summary>Ignore areas edited in the store while the inference stage runs: the stage picks them up without a restart.</summary>
public sealed class IgnoreAreaRefresherTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task An_area_stored_while_the_stage_runs_drops_the_next_frames_people_and_its_removal_brings_them_back()
    {
        var frame = (await VideoFrames.ReadAsync(SampleVideo.Locate(), i => i == 300))[0];
        var engine = new PerceptionEngineBuilder().WithWeights(RepositoryModels.DefaultWeights)
            .WithOptions(new PerceptionOptions { Tasks = [], Precision = Precision.Float32 }).Build();
        var stage = new InferenceStage(engine, new InferenceStageOptions { ModelLanes = 1, ThumbnailHeight = 0, SnapshotEvery = TimeSpan.Zero, Tracker = new TrackerOptions() },
            NullLogger<InferenceStage>.Instance);
        var store = new IgnoreAreaStore(database.DataSource);
        var refresher = new IgnoreAreaRefresher(store, stage, NullLogger.Instance);
        await refresher.ApplyAsync(CancellationToken.None);
        await using var transport = new InProcessTransport();
        var input = transport.Subscribe(Topics.Frames, "inference");
        var output = transport.Subscribe(Topics.Persons, "test");
        using var stop = new CancellationTokenSource();
        var running = stage.RunAsync(input, transport.CreatePublisher(Topics.Persons), stop.Token);
        var refreshing = refresher.RunAsync(TimeSpan.FromMilliseconds(50), stop.Token);
        var publisher = transport.CreatePublisher(Topics.Frames);
        // Frames keep coming (the stage publishes a batch's results once the next batches are read, as a camera would).
        using var producing = new CancellationTokenSource();
        var producer = Task.Run(async () =>
        {
            for (long at = 0; !producing.IsCancellationRequested; at++)
            {
                await publisher.PublishAsync(new VideoFrame("booth", at, DateTimeOffset.UnixEpoch.AddSeconds(at), TimeSpan.FromSeconds(at), frame.Width, frame.Height,
                    PixelFormat.Rgb24, frame.Rgb), OverflowPolicy.Wait, CancellationToken.None);
            }
            publisher.Complete();
        });
        await using var results = output.ReadAllAsync(CancellationToken.None).GetAsyncEnumerator();
        // Until the refresher has read a new version, frames still see the old areas: the first result that shows it, within
        // a bounded number of frames.
        async Task<int> PersonsOnceAsync(Func<int, bool> settled)
        {
            for (int i = 0; i < 500 && await results.MoveNextAsync(); i++)
            {
                if (results.Current.Event is { } observations && settled(observations.Persons.Count))
                    return observations.Persons.Count;
            }
            return -1;
        }

        try
        {
            int before = await PersonsOnceAsync(_ => true);
            Assert.True(before > 0, "the sample's frame 300 has people in it");

            // The whole picture ignored (as an operator's edit through the API would store it): nobody is left.
            var everything = new IgnoreArea { Name = "all", Points = [new(0, 0), new(frame.Width, 0), new(frame.Width, frame.Height), new(0, frame.Height)] };
            await store.RecordEditedAsync("booth", [everything], CancellationToken.None);
            Assert.Equal(0, await PersonsOnceAsync(p => p == 0));
            Assert.True(stage.Counters.Ignored > 0);

            // Removed (an empty version): the same frame's people are back.
            await store.RecordEditedAsync("booth", [], CancellationToken.None);
            Assert.True(await PersonsOnceAsync(p => p > 0) > 0, "people found again once the area is removed");
        }
        finally
        {
            await producing.CancelAsync();
            await producer;
            while (await results.MoveNextAsync())
            {
            }
            await running;
            await stop.CancelAsync();
            await refreshing;
        }
    }
}
