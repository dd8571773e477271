using System.Runtime.CompilerServices;
using UniHCP.Pipeline.Inference;

namespace UniHCP.Pipeline.Tests.Support;

/// <summary>Loads libtorch, with the Scalar guard, before any test of this assembly runs: a test that calls TorchSharp
/// directly before touching our Inference code would otherwise bind TorchSharp's Scalar free unguarded for the
/// whole process, whichever test happened to run first.</summary>
internal static class GuardedTorch
{
#pragma warning disable CA2255 // The point: before the first test, whatever order the runner picks.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Load() => TorchRuntime.EnsureLoaded();
}
