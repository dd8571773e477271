using UniHCP.Pipeline.Inference.Model;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Training;

/// <summary>
/// A task whose loss counts <see cref="Weight"/> times in a multi-task step: the per-dataset loss weight of the paper's
/// joint training (its parts are logged unweighted, so curves stay comparable between runs with other weights).
/// </summary>
public sealed class WeightedTrainingTask : ITrainingTask
{
    private readonly ITrainingTask _inner;

    public WeightedTrainingTask(ITrainingTask inner, double weight)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (!(weight > 0) || double.IsInfinity(weight))
            throw new ArgumentOutOfRangeException(nameof(weight), weight, $"The loss weight of task '{inner.Task}' must be positive and finite.");
        _inner = inner;
        Weight = weight;
    }

    public double Weight { get; }

    public string Task => _inner.Task;

    public int BatchSize => _inner.BatchSize;

    public IEnumerable<TorchSharp.Modules.Parameter> TrainingOnlyParameters => _inner.TrainingOnlyParameters;

    public (Tensor Loss, IReadOnlyDictionary<string, double> Parts) Step(UniHcpModel model, Random random, Device device)
    {
        var (loss, parts) = _inner.Step(model, random, device);
        return (Weight == 1 ? loss : loss * Weight, parts);
    }

    public IReadOnlyDictionary<string, double> Evaluate(UniHcpModel model, Device device) => _inner.Evaluate(model, device);
}
