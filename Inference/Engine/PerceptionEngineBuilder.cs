using TorchSharp;
using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Model;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Inference.Engine;

/// <summary>
/// Builds an immutable <see cref="PerceptionEngine"/>: loads the weights, reads their hints once
/// (<see cref="InferenceHints"/>) and fills every option the caller left null from them, checks the options
/// against the weights, and places the model on its device in its precision.
/// </summary>
public sealed class PerceptionEngineBuilder
{
    private string? _weightsPath;
    private (UniHcpModel Model, WeightsMetadata Metadata)? _loaded;
    private PerceptionOptions _options = new();

    /// <summary>Weights in our format (see <see cref="WeightsFile"/>).</summary>
    public PerceptionEngineBuilder WithWeights(string path)
    {
        _weightsPath = path;
        _loaded = null;
        return this;
    }

    /// <summary>An already built model (the engine takes ownership).</summary>
    public PerceptionEngineBuilder WithModel(UniHcpModel model, WeightsMetadata metadata)
    {
        _loaded = (model, metadata);
        _weightsPath = null;
        return this;
    }

    public PerceptionEngineBuilder WithOptions(PerceptionOptions options)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        return this;
    }

    public PerceptionEngine Build()
    {
        _options.Validate();
        var device = ResolveDevice(_options.Device);
        TorchRuntime.SetThreads(_options.Threads);
        var (model, metadata) = _loaded ?? (_weightsPath is not null ? WeightsFile.Load(_weightsPath) : throw new InvalidOperationException("No weights: call WithWeights or WithModel."));
        try
        {
            var hints = InferenceHints.Read(metadata);
            var options = _options with
            {
                Tasks = _options.Tasks ?? hints.PersonTasks(metadata),
                DetectionResize = InferenceHints.WithMaxLongSide(_options.DetectionResize ?? hints.DetectionResize, _options.DetectionMaxLongSide, "The detection long-side cap"),
                ScoreLogitShift = _options.ScoreLogitShift ?? hints.ScoreLogitShift,
                DuplicateIoU = _options.DuplicateIoU ?? hints.DuplicateIoU,
            };
            var cropTasks = SelectTasks(model.Tasks, options.Tasks);
            model.to(device);
            model.PrepareForInference(options.Precision == Precision.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float32);
            return new PerceptionEngine(model, metadata, hints, options, device, cropTasks);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static List<TaskSpec> SelectTasks(TaskRegistry registry, IReadOnlyList<string> requested)
    {
        var unknown = requested.Where(name => !registry.Contains(name)).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException($"Unknown task(s) {string.Join(", ", unknown)}; these weights serve {string.Join(", ", registry.Tasks.Select(t => t.Name))}.");
        var tasks = requested.Distinct(StringComparer.Ordinal).Select(name => registry[name]).Where(t => t.Type != TaskType.Detection).ToList();
        if (tasks.Count(t => t.Type is TaskType.ReId or TaskType.ClothChangingReId) > 1)
            throw new ArgumentException("Choose one ReID task: a person observation carries one embedding.");
        return tasks;
    }

    private static Device ResolveDevice(string name)
    {
        TorchRuntime.EnsureLoaded();
        if (string.Equals(name, "cpu", StringComparison.OrdinalIgnoreCase))
            return CPU;
        if (name.StartsWith("cuda", StringComparison.OrdinalIgnoreCase))
        {
            if (!cuda.is_available())
                throw new ArgumentException($"Device '{name}' was requested, but no CUDA device is usable: build with -p:TorchBackend=cuda on a host with an NVIDIA GPU.");
            return new Device(name.ToLowerInvariant());
        }
        throw new ArgumentException($"Device '{name}' is not known; use cpu, cuda or cuda:N.");
    }
}
