using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Model;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Inference.Tests;

internal static class TestModels
{
    // libtorch has one global generator. The assembly runs one test at a time (AssemblyInfo.cs), so a seeded
    // build is never interleaved with another test's draws; the lock also keeps apart builds a test starts on
    // several threads. The cache below makes every tiny model of one seed an exact copy of the first one, so
    // tests that compare two models (f32 against bf16, flip variants) never see different weights.
    private static readonly Lock s_globalGenerator = new();
    private static readonly Dictionary<int, Dictionary<string, Tensor>> s_tinyWeights = [];

    /// <summary>Seeds the global generator and builds under a lock. Code outside this class (weights loading, other
    /// test projects' helpers) may still draw from the global generator meanwhile: tests that need two equal models
    /// use <see cref="CopyOf"/>.</summary>
    public static UniHcpModel Seeded(int seed, ModelConfig config, TaskRegistry tasks)
    {
        TorchRuntime.EnsureLoaded();
        lock (s_globalGenerator)
        {
            manual_seed(seed);
            return new UniHcpModel(config, tasks);
        }
    }

    /// <summary>A new model with exactly <paramref name="source"/>'s parameters and buffers.</summary>
    public static UniHcpModel CopyOf(UniHcpModel source)
    {
        TorchRuntime.EnsureLoaded();
        var copy = new UniHcpModel(source.Config, source.Tasks);
        var weights = copy.state_dict();
        using (no_grad())
        {
            foreach (var (key, value) in source.state_dict())
                weights[key].copy_(value);
        }
        return copy;
    }

    /// <summary>The tiny configuration with the standard tasks; the same seed gives the same weights.</summary>
    public static UniHcpModel Tiny(int seed = 7, TaskRegistry? tasks = null)
    {
        var model = Seeded(seed, ModelConfig.Tiny, tasks ?? TaskRegistry.Standard);
        if (tasks is null)
        {
            lock (s_tinyWeights)
            {
                if (!s_tinyWeights.TryGetValue(seed, out var first))
                {
                    first = model.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone().DetachFromDisposeScope());
                    s_tinyWeights[seed] = first;
                }
                var weights = model.state_dict();
                using (no_grad())
                {
                    foreach (var (key, value) in first)
                        weights[key].copy_(value);
                }
            }
        }
        model.eval();
        return model;
    }

    public static WeightsMetadata Metadata(UniHcpModel model, string version = "test-1") =>
        WeightsMetadata.For(version, model.Config, model.Tasks);

    /// <summary>Random RGB images in 0..255, [B, 3, H, W].</summary>
    public static Tensor Images(int batch, int height, int width, int seed = 3) =>
        rand([batch, 3, height, width], generator: new Generator((ulong)seed)) * 255;
}
