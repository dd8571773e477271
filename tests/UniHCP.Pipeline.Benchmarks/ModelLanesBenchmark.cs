using System.Diagnostics;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference;
using UniHCP.Pipeline.Inference.Engine;

namespace UniHCP.Pipeline.Benchmarks;

/// <summary>
/// The inference stage's model lanes: the default model analysing the sample video's frames (detection and clothing
/// colours, what every frame of the main job costs) on one lane with all the libtorch threads against two lanes with a
/// share each, alone and beside other work. libtorch's threads of one call meet at the end of every operation, so a
/// core taken by anything else (decoding, thumbnails, the store, the runtime) stalls the call's other thread too;
/// separate lanes have no such meeting points.
/// </summary>
internal static class ModelLanesBenchmark
{
    private const int Batch = 4;

    /// <summary>The other work: one thread busy this share of the time (spinning, in slices of 10 ms).</summary>
    private const double OtherLoad = 0.15;

    public static async Task<BenchmarkReport> RunAsync(BenchmarkSettings settings)
    {
        TorchRuntime.EnsureLoaded();
        string weights = RepositoryModels.DefaultWeights;
        var frames = await SampleFrames.ReadAsync(500, 48);
        var batches = frames.Chunk(Batch).ToList();
        int cores = Environment.ProcessorCount;
        using var engine = new PerceptionEngineBuilder().WithWeights(weights)
            .WithOptions(new PerceptionOptions { Precision = CpuFeatures.HasFastBFloat16 ? Precision.BFloat16 : Precision.Float32, Tasks = [] }).Build();
        var report = new BenchmarkReport(
            "Model lanes: one lane of every libtorch thread against two lanes of a share each",
            FormattableString.Invariant($"{engine.ModelVersion}, {engine.Options.Precision}, {frames.Count} frames (500-{499 + frames.Count}) in batches of {Batch}, ")
            + FormattableString.Invariant($"detection and clothing colours (PerceptionEngine.Process, no person tasks) at the recorded input; {cores} cores. ")
            + FormattableString.Invariant($"\"other load\": a thread of this process spinning {OtherLoad:P0} of the time in 10 ms slices, as the main job's decoding, thumbnails and store do. ")
            + $"C heap: {NativeHeap.State}.");

        using var single = new ModelThread("one lane", cores);
        var twoLanes = Enumerable.Range(0, 2).Select(i => new ModelThread($"lane {i}", Math.Max(1, cores / 2))).ToArray();
        try
        {
            var rounds = new List<(string Name, string? Baseline, bool Loaded, ModelThread[] Lanes)>
            {
                ($"one lane of {cores} threads", null, false, [single]),
                ($"two lanes of {Math.Max(1, cores / 2)}", $"one lane of {cores} threads", false, twoLanes),
                ($"one lane of {cores} threads, other load", null, true, [single]),
                ($"two lanes of {Math.Max(1, cores / 2)}, other load", $"one lane of {cores} threads, other load", true, twoLanes),
            };
            foreach (var round in rounds)
                await RunAsync(engine, batches, round.Lanes, round.Loaded); // warm-up
            var samples = rounds.ToDictionary(r => r.Name, _ => new List<double>());
            for (int i = 0; i < settings.Runs; i++)
            {
                // Interleaved, so that the machine's other load falls on every case alike.
                foreach (var round in rounds)
                    samples[round.Name].Add(await RunAsync(engine, batches, round.Lanes, round.Loaded));
                Console.Error.WriteLine($"round {i + 1}/{settings.Runs} done");
            }
            foreach (var round in rounds)
                report.Add(SampleFrames.PerFrame(round.Name, samples[round.Name], frames.Count, round.Baseline));
        }
        finally
        {
            foreach (var lane in twoLanes)
                lane.Dispose();
        }
        return report;
    }

    /// <summary>The batches dealt to the lanes in turn (as the stage deals them); seconds until all are done.</summary>
    private static async Task<double> RunAsync(PerceptionEngine engine, List<VideoFrame[]> batches, ModelThread[] lanes, bool loaded)
    {
        using var stop = new CancellationTokenSource();
        var load = loaded ? Task.Factory.StartNew(() => Spin(stop.Token), TaskCreationOptions.LongRunning) : Task.CompletedTask;
        long start = Stopwatch.GetTimestamp();
        await Task.WhenAll(batches.Select((batch, i) => lanes[i % lanes.Length].RunAsync(() => engine.Process(batch))));
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        await stop.CancelAsync();
        await load;
        return seconds;
    }

    private static void Spin(CancellationToken stop)
    {
        var slice = TimeSpan.FromMilliseconds(10);
        while (!stop.IsCancellationRequested)
        {
            long begun = Stopwatch.GetTimestamp();
            while (Stopwatch.GetElapsedTime(begun) < slice * OtherLoad)
                Thread.SpinWait(100);
            Thread.Sleep(slice * (1 - OtherLoad));
        }
    }
}
