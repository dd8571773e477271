using static TorchSharp.torch;

namespace UniHCP.Pipeline.Inference.Model;

/// <summary>
/// The interpreter's output for one task on a batch, only the units its gate computes; the
/// others are null. Owns its tensors: dispose it (or move it out of a dispose scope).
/// </summary>
public sealed class TaskOutput : IDisposable
{
    /// <summary>Feature unit [B, Q * hidden] (ReID), raw query states concatenated.</summary>
    public Tensor? Features { get; init; }

    /// <summary>Global probability logits [B, Q].</summary>
    public Tensor? GlobalLogits { get; init; }

    /// <summary>Local map logits [B, Q, H/4, W/4].</summary>
    public Tensor? LocalMapLogits { get; init; }

    /// <summary>Boxes [B, Q, 4], normalised (cx, cy, w, h) of the padded input.</summary>
    public Tensor? Boxes { get; init; }

    /// <summary>Which units are present.</summary>
    public OutputUnits Units =>
        (Features is null ? 0 : OutputUnits.Feature) | (GlobalLogits is null ? 0 : OutputUnits.GlobalProbability)
        | (LocalMapLogits is null ? 0 : OutputUnits.LocalMap) | (Boxes is null ? 0 : OutputUnits.Box);

    public TaskOutput MoveToOuterDisposeScope()
    {
        Features?.MoveToOuterDisposeScope();
        GlobalLogits?.MoveToOuterDisposeScope();
        LocalMapLogits?.MoveToOuterDisposeScope();
        Boxes?.MoveToOuterDisposeScope();
        return this;
    }

    public void Dispose()
    {
        Features?.Dispose();
        GlobalLogits?.Dispose();
        LocalMapLogits?.Dispose();
        Boxes?.Dispose();
    }
}
