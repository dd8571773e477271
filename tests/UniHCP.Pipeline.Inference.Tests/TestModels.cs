using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Model;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Inference.Tests;

internal static class TestModels
{
    /// <summary>The tiny configuration with the standard tasks, seeded so that runs repeat.</summary>
    public static UniHcpModel Tiny(int seed = 7, TaskRegistry? tasks = null)
    {
        TorchRuntime.EnsureLoaded();
        manual_seed(seed);
        var model = new UniHcpModel(ModelConfig.Tiny, tasks ?? TaskRegistry.Standard);
        model.eval();
        return model;
    }

    public static WeightsMetadata Metadata(UniHcpModel model, string version = "test-1") =>
        WeightsMetadata.For(version, model.Config, model.Tasks);

    /// <summary>Random RGB images in 0..255, [B, 3, H, W].</summary>
    public static Tensor Images(int batch, int height, int width, int seed = 3) =>
        rand([batch, 3, height, width], generator: new Generator((ulong)seed)) * 255;
}
