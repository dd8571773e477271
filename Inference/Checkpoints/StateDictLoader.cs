using static TorchSharp.torch;

namespace UniHCP.Pipeline.Inference.Checkpoints;

/// <summary>
/// Copies named tensors into a module's parameters, strictly: every key the module has must be
/// given with its shape, and nothing else. TorchSharp's own strict load does not say which keys
/// are wrong; this does, all of them at once.
/// </summary>
public static class StateDictLoader
{
    /// <summary>Checks names and shapes without copying; throws <see cref="WeightsMismatchException"/> on any difference.</summary>
    public static void Check(nn.Module module, IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(tensors);
        var expected = module.state_dict();
        var missing = expected.Keys.Where(k => !tensors.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        var unexpected = tensors.Keys.Where(k => !expected.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        var misshaped = expected
            .Where(p => tensors.TryGetValue(p.Key, out var given) && !given.shape.SequenceEqual(p.Value.shape))
            .Select(p => $"{p.Key}: given [{string.Join(", ", tensors[p.Key].shape)}], model [{string.Join(", ", p.Value.shape)}]")
            .Order(StringComparer.Ordinal)
            .ToList();
        if (missing.Count + unexpected.Count + misshaped.Count > 0)
            throw new WeightsMismatchException(source, missing, unexpected, misshaped);
    }

    /// <summary>Checks, then copies every tensor into the module (converted to the parameter's dtype and device).</summary>
    public static void Load(nn.Module module, IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        Check(module, tensors, source);
        var target = module.state_dict();
        using var noGrad = no_grad();
        foreach (var (name, parameter) in target)
            parameter.copy_(tensors[name]);
    }
}
