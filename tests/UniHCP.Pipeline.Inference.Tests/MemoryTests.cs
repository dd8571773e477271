using TorchSharp;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Inference.Processing;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Inference.Tests;

/// <summary>Runs alone: resident memory is process-wide, so no other test may allocate meanwhile.</summary>
[CollectionDefinition(nameof(MemoryTests), DisableParallelization = true)]
public sealed class MemoryTestsCollection;

[Collection(nameof(MemoryTests))]
public sealed class MemoryTests
{
    [Fact]
    public void Memory_stays_flat_over_500_inference_iterations()
    {
        var options = new PerceptionOptions
        {
            DetectionResize = new DetectionResize(64, 128),
            MaxDetections = 2,
            PoseInput = new CropSize(48, 64),
            AttributeInput = new CropSize(48, 64),
            ReIdInput = new CropSize(32, 64),
            ParsingInput = new CropSize(48, 48),
        };
        using var engine = new PerceptionEngineBuilder().WithModel(EngineTests.CraftedDetector(), EngineTests.CraftedMetadata()).WithOptions(options).Build();
        var frame = EngineTests.Frame("a", 100, 70);
        for (int i = 0; i < 20; i++)
            engine.Process([frame]); // warm-up: allocator pools, JIT
        // Live tensors created on this thread: the engine's work runs on the caller's thread.
        long tensors = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        GC.Collect();
        long rss = Environment.WorkingSet;

        for (int i = 0; i < 500; i++)
            Assert.Equal(2, engine.Process([frame])[0].Persons.Count);

        Assert.Equal(tensors, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        GC.Collect();
        long growth = Environment.WorkingSet - rss;
        Assert.True(growth < 32L * 1024 * 1024, $"resident memory grew by {growth / (1024 * 1024)} MB over 500 iterations");
    }
}
