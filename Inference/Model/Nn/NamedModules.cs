using TorchSharp;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Inference.Model.Nn;

/// <summary>
/// Modules by name, registered as "&lt;name&gt;." children. Used instead of TorchSharp's ModuleDict,
/// which (0.107) makes module.to(dtype) throw "An item with the same key has already been added".
/// </summary>
internal sealed class NamedModules<T> : nn.Module where T : nn.Module
{
    private readonly Dictionary<string, T> _byName = new(StringComparer.Ordinal);

    public NamedModules(IEnumerable<(string Name, T Module)> items) : base(nameof(NamedModules<T>))
    {
        foreach (var (name, module) in items)
        {
            register_module(name, module);
            _byName.Add(name, module);
        }
    }

    public bool TryGet(string name, out T module) => _byName.TryGetValue(name, out module!);

    public IEnumerable<T> Values => _byName.Values;
}
