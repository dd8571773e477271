using UniHCP.Pipeline.Inference.Model;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Inference.Tests;

public sealed class ModelStructureTests
{
    [Fact]
    public void Probe_keys()
    {
        using var model = new UniHcpModel(ModelConfig.Tiny, TaskRegistry.Standard);
        foreach (var (name, p) in model.state_dict())
            Console.WriteLine($"{name} [{string.Join(",", p.shape)}]");
        Console.WriteLine("buffers: " + string.Join(",", model.named_buffers().Select(b => b.name)));
    }
}
