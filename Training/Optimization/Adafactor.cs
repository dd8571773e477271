using System.Globalization;
using TorchSharp.Modules;
using UniHCP.Pipeline.Inference.Checkpoints;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Training.Optimization;

/// <summary>
/// Adafactor (Shazeer and Stern 2018) as the UniHCP release configures it: no parameter scaling and no relative step
/// (the schedule gives the rate), beta2_t = min(1 - t^-0.8, <see cref="MaxBeta2"/>), second moments of grad^2 + 1e-30
/// factored into row and column means for matrices (full for vectors and scalars; tensors of more dimensions are
/// factored over their last two), the update grad / sqrt(v) clipped to RMS 1 and scaled by the rate, a first moment
/// <see cref="Beta1"/> over the updates, and decoupled weight decay p -= rate x decay x p. The memory for a matrix's
/// second moment is rows + columns instead of rows x columns: why the paper could train ViT-B with it.
/// </summary>
public sealed class Adafactor : IDisposable
{
    private readonly List<(Parameter Parameter, double Factor)> _parameters;
    private readonly Dictionary<int, Dictionary<string, Tensor>> _state = [];

    public Adafactor(IEnumerable<(Parameter Parameter, double Factor)> parameters, double weightDecay = 0.05, double beta1 = 0.9, double maxBeta2 = 0.999)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = parameters.ToList();
        WeightDecay = weightDecay;
        Beta1 = beta1;
        MaxBeta2 = maxBeta2;
    }

    public double WeightDecay { get; }

    public double Beta1 { get; }

    public double MaxBeta2 { get; }

    public int StepCount { get; private set; }

    public void ZeroGrad()
    {
        foreach (var (parameter, _) in _parameters)
            parameter.grad?.zero_();
    }

    /// <summary>One update of every parameter with a gradient, at <paramref name="learningRate"/> times its factor.</summary>
    public void Step(double learningRate)
    {
        StepCount++;
        double beta2 = Math.Min(1 - Math.Pow(StepCount, -0.8), MaxBeta2);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        for (int i = 0; i < _parameters.Count; i++)
        {
            var (parameter, factor) = _parameters[i];
            if (parameter.grad is not { } grad)
                continue;
            double rate = learningRate * factor;
            var state = _state.TryGetValue(i, out var s) ? s : _state[i] = [];
            var g = grad.to(ScalarType.Float32);
            var squared = g.square() + 1e-30;
            Tensor update;
            if (parameter.dim() >= 2)
            {
                var row = Moment(state, "row", squared.mean([-1]), beta2);                  // [..., rows]
                var column = Moment(state, "column", squared.mean([-2]), beta2);           // [..., columns]
                var rowFactor = (row / row.mean([-1], keepdim: true)).rsqrt().unsqueeze(-1);
                update = g * rowFactor * column.rsqrt().unsqueeze(-2);
            }
            else
            {
                update = g * Moment(state, "v", squared, beta2).rsqrt();
            }
            double rms = update.square().mean().sqrt().item<float>();
            update = update * (rate / Math.Max(1, rms));
            var first = Moment(state, "m", update, Beta1);
            var weights = parameter.to(ScalarType.Float32);
            var updated = (weights * (1 - (rate * WeightDecay))) - first;
            parameter.copy_(updated.to(parameter.dtype));
        }
    }

    // state[name] = beta state[name] + (1 - beta) value (0 to start), owned by this optimiser (no dispose scope frees it).
    private static Tensor Moment(Dictionary<string, Tensor> state, string name, Tensor value, double beta)
    {
        var next = state.TryGetValue(name, out var previous) ? (previous * beta) + (value * (1 - beta)) : value * (1 - beta);
        previous?.Dispose();
        state[name] = next.detach().DetachFromDisposeScope();
        return state[name];
    }

    /// <summary>Writes the moments and the step count (safetensors), for resuming.</summary>
    public void Save(string path)
    {
        var tensors = _state.SelectMany(p => p.Value.Select(m => (Key: $"{p.Key}.{m.Key}", m.Value))).ToDictionary(x => x.Key, x => x.Value);
        SafeTensorsFile.Write(path, tensors, new Dictionary<string, string> { ["step"] = StepCount.ToString(CultureInfo.InvariantCulture), ["parameters"] = _parameters.Count.ToString(CultureInfo.InvariantCulture) });
    }

    /// <summary>Reads what <see cref="Save"/> wrote; refuses a file written for another parameter list.</summary>
    public void Load(string path)
    {
        var (tensors, header) = SafeTensorsFile.Read(path);
        if (!header.Metadata.TryGetValue("parameters", out string? count) || count != _parameters.Count.ToString(CultureInfo.InvariantCulture)
            || !header.Metadata.TryGetValue("step", out string? step) || !int.TryParse(step, CultureInfo.InvariantCulture, out int steps))
        {
            foreach (var tensor in tensors.Values)
                tensor.Dispose();
            throw new InvalidDataException($"Optimiser state '{path}' was not written by Adafactor for these {_parameters.Count} parameters.");
        }
        Dispose();
        StepCount = steps;
        foreach (var (key, tensor) in tensors)
        {
            int dot = key.IndexOf('.', StringComparison.Ordinal);
            int index = int.Parse(key[..dot], CultureInfo.InvariantCulture);
            (_state.TryGetValue(index, out var s) ? s : _state[index] = [])[key[(dot + 1)..]] = tensor;
        }
    }

    public void Dispose()
    {
        foreach (var moments in _state.Values)
        {
            foreach (var tensor in moments.Values)
                tensor.Dispose();
        }
        _state.Clear();
    }
}
