using UniHCP.Pipeline.Inference.Model;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Training;

/// <summary>
/// One task's share of a training step: it draws its batch, runs the model and returns its loss
/// (already weighted). The trainer sums the tasks' gradients (accumulation) before one optimiser
/// step, so several tasks and datasets train the shared network together.
/// </summary>
public interface ITrainingTask
{
    /// <summary>The model task (query set) trained.</summary>
    string Task { get; }

    /// <summary>Images per step.</summary>
    int BatchSize { get; }

    /// <summary>Forward pass and loss for one step; the random source is the step's own (deterministic per seed and step).</summary>
    (Tensor Loss, IReadOnlyDictionary<string, double> Parts) Step(UniHcpModel model, Random random, Device device);

    /// <summary>Parameters the task's loss owns that are not part of the model (e.g. ReID's identity classifier): the
    /// trainer optimises them with the model's but they are never exported (nor checkpointed: a resumed run starts them anew).</summary>
    IEnumerable<TorchSharp.Modules.Parameter> TrainingOnlyParameters => [];

    /// <summary>Held-out metrics, by name (e.g. "pennfudan.ap50").</summary>
    IReadOnlyDictionary<string, double> Evaluate(UniHcpModel model, Device device);
}
