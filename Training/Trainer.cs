using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using TorchSharp;
using TorchSharp.Modules;
using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Model;
using static TorchSharp.torch;

using UniHCP.Pipeline.Training.Optimization;

namespace UniHCP.Pipeline.Training;

/// <summary>What a run did.</summary>
public sealed record TrainingSummary(int Steps, bool Finished, TimeSpan Elapsed, IReadOnlyDictionary<string, double> Metrics, string? ExportedWeights);

/// <summary>
/// The training loop: each step draws every task's batch, accumulates their gradients, clips, and
/// takes one AdamW step on a warm-up + cosine schedule (the encoder at a lower rate, a ViT's blocks
/// with layer-wise decay). Checkpoints (weights, optimiser, step) are written regularly and on
/// stop, and a run in the same folder resumes from its checkpoint with the same results as an
/// uninterrupted one (each step's randomness derives from the seed and the step). Logs:
/// train_log.csv, eval_log.csv and a loss curve (loss_curve.svg). At the end the weights are
/// exported with their provenance.
/// </summary>
public sealed class Trainer
{
    private readonly UniHcpModel _model;
    private readonly WeightsMetadata _metadata;
    private readonly IReadOnlyList<ITrainingTask> _tasks;
    private readonly TrainerOptions _options;
    private readonly TextWriter _progress;
    private readonly Device _device;
    private readonly List<(Parameter Parameter, double Factor)> _parameters;

    public Trainer(UniHcpModel model, WeightsMetadata metadata, IReadOnlyList<ITrainingTask> tasks, TrainerOptions options, TextWriter progress, Device? device = null)
    {
        options.Validate();
        if (tasks.Count == 0)
            throw new ArgumentException("Nothing to train: no task.");
        _model = model;
        _metadata = metadata;
        _tasks = tasks;
        _options = options;
        _progress = progress;
        _device = device ?? CPU;
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (options.FrozenEncoderParts.Any(part => name.StartsWith($"backbone_module.{part}.", StringComparison.Ordinal)))
                parameter.requires_grad = false;
            if (options.TrainableParameters.Count > 0 && !options.TrainableParameters.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal)))
                parameter.requires_grad = false;
        }
        if (!model.parameters().Any(p => p.requires_grad))
            throw new ArgumentException($"Nothing to train: no parameter starts with {string.Join(", ", options.TrainableParameters)}.");
        _parameters = ParameterFactors(model, options).ToList();
        _parameters.AddRange(tasks.SelectMany(t => t.TrainingOnlyParameters).Select(p => (p, 1.0)));
    }

    private string CheckpointDirectory => Path.Combine(_options.OutputDirectory, "checkpoint");

    // One file name per optimiser: a run resumed with the other optimiser starts its moments afresh rather than misreading them.
    private string OptimizerFile => _options.Optimizer == "adamw" ? "optimizer.bin" : $"optimizer-{_options.Optimizer}.safetensors";

    public TrainingSummary Run(CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(_options.OutputDirectory);
        using var optimizer = ITrainingOptimizer.Create(_options.Optimizer, _parameters, _options.LearningRate, _options.WeightDecay);
        int step = Resume(optimizer);
        var trainLog = new CsvLog(Path.Combine(_options.OutputDirectory, "train_log.csv"));
        var evalLog = new CsvLog(Path.Combine(_options.OutputDirectory, "eval_log.csv"));
        var clock = Stopwatch.StartNew();
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        int stepsThisRun = 0;
        bool stopped = false;
        _model.to(_device);
        _model.train();
        using var mixed = _options.BFloat16 ? new MixedPrecision(_model, _device) : null;
        var stepModel = mixed?.Work ?? _model;
        stepModel.train();
        while (step < _options.Steps)
        {
            if (cancellationToken.IsCancellationRequested || (_options.TimeLimit is { } limit && clock.Elapsed >= limit))
            {
                stopped = true;
                break;
            }
            double lrFactor = LearningRateSchedule.Factor(step, _options.Steps, _options.WarmupSteps, _options.MinLearningRateFactor);

            double prior = _options.AttentionPriorFade == 0 ? _options.AttentionPrior : _options.AttentionPrior * Math.Max(0, 1 - (step / (_options.AttentionPriorFade * _options.Steps)));
            stepModel.DetectionAttentionPrior = _model.DetectionAttentionPrior = prior;
            var random = new Random(StepSeed(_options.Seed, step, 0));
            manual_seed(StepSeed(_options.Seed, step, 1));
            long started = Stopwatch.GetTimestamp();
            var parts = new Dictionary<string, double>(StringComparer.Ordinal);
            optimizer.ZeroGrad();
            foreach (var task in _tasks)
            {
                using var scope = NewDisposeScope();
                var (loss, taskParts) = task.Step(stepModel, random, _device);
                if (!double.IsFinite(loss.item<float>()))
                    throw new InvalidOperationException($"Step {step}: the {task.Task} loss is not finite; lower the learning rate or check the data.");
                loss.backward();
                foreach (var (key, value) in taskParts)
                    parts[key] = value;
            }
            mixed?.MoveGradients();
            if (_options.GradientClip > 0)
                nn.utils.clip_grad_norm_(_parameters.Select(p => p.Parameter), _options.GradientClip);
            optimizer.Step(_options.LearningRate * lrFactor);
            mixed?.SyncWeights();
            step++;
            stepsThisRun++;
            double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            int images = _tasks.Sum(t => t.BatchSize);
            trainLog.Write(step, new Dictionary<string, double>(parts)
            {
                ["lr"] = _options.LearningRate * lrFactor,
                ["attention_prior"] = prior,
                ["images_per_s"] = images / seconds,
                ["elapsed_s"] = clock.Elapsed.TotalSeconds,
            });
            if (step % 10 == 0 || step == 1)
                Report(step, parts, images / seconds, clock.Elapsed, stepsThisRun);
            if (step % _options.EvaluateEvery == 0 || step == _options.Steps)
            {
                metrics = Evaluate();
                evalLog.Write(step, metrics);
                _progress.WriteLine($"step {step}: " + string.Join(", ", metrics.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Key} {m.Value:0.000}"))));
            }
            if (step % _options.CheckpointEvery == 0)
                SaveCheckpoint(optimizer, step);
        }
        SaveCheckpoint(optimizer, step);
        LossCurve.Write(Path.Combine(_options.OutputDirectory, "train_log.csv"), Path.Combine(_options.OutputDirectory, "loss_curve.svg"));
        string? exported = null;
        if (step >= _options.Steps)
        {
            if (metrics.Count == 0)
                metrics = Evaluate();
            exported = Export(step, metrics, clock.Elapsed);
        }
        return new TrainingSummary(step, !stopped, clock.Elapsed, metrics, exported);
    }

    private Dictionary<string, double> Evaluate()
    {
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        // Held-out metrics are those of the deployable model: without the training-only attention prior. While the
        // prior is on, the same metrics with it (suffix "_prior") show what the head has learned so far.
        double prior = _model.DetectionAttentionPrior;
        try
        {
            // A constant prior is part of the deployed model: its metrics are the plain ones.
            foreach (double strength in ConstantPrior ? [prior] : prior > 0 ? new[] { 0, prior } : [0])
            {
                _model.DetectionAttentionPrior = strength;
                foreach (var task in _tasks)
                {
                    foreach (var (key, value) in task.Evaluate(_model, _device))
                        metrics[strength > 0 && !ConstantPrior ? key + "_prior" : key] = value;
                }
            }
        }
        finally
        {
            _model.DetectionAttentionPrior = prior;
        }
        _model.train();
        return metrics;
    }

    private void Report(int step, Dictionary<string, double> parts, double imagesPerSecond, TimeSpan elapsed, int stepsThisRun)
    {
        double secondsPerStep = elapsed.TotalSeconds / Math.Max(1, stepsThisRun);
        var eta = TimeSpan.FromSeconds(secondsPerStep * (_options.Steps - step));
        string losses = string.Join(" ", parts.Where(p => !p.Key.EndsWith("boxes", StringComparison.Ordinal)).Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key} {p.Value:0.000}")));
        _progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"step {step}/{_options.Steps} {losses} | {imagesPerSecond:0.0} images/s | ETA {eta:hh\\:mm\\:ss}"));
    }

    private int Resume(ITrainingOptimizer optimizer)
    {
        string state = Path.Combine(CheckpointDirectory, "state.json");
        if (!File.Exists(state))
            return 0;
        var saved = JsonSerializer.Deserialize<CheckpointState>(File.ReadAllText(state))
            ?? throw new InvalidDataException($"Checkpoint state '{state}' is empty.");
        if (saved.Seed != _options.Seed)
            throw new InvalidOperationException($"The checkpoint in '{CheckpointDirectory}' was trained with seed {saved.Seed}, not {_options.Seed}; use another output folder or the same seed.");
        var (tensors, _) = SafeTensorsFile.Read(Path.Combine(CheckpointDirectory, "model.safetensors"));
        try
        {
            StateDictLoader.Load(_model, tensors, CheckpointDirectory);
        }
        finally
        {
            foreach (var tensor in tensors.Values)
                tensor.Dispose();
        }
        string optimizerState = Path.Combine(CheckpointDirectory, OptimizerFile);
        if (File.Exists(optimizerState))
            optimizer.Load(optimizerState);
        else
            _progress.WriteLine($"no {_options.Optimizer} state in {CheckpointDirectory}: its moments start afresh");
        _progress.WriteLine($"resumed from {CheckpointDirectory} at step {saved.Step}");
        return saved.Step;
    }

    private void SaveCheckpoint(ITrainingOptimizer optimizer, int step)
    {
        Directory.CreateDirectory(CheckpointDirectory);
        WeightsFile.Save(Path.Combine(CheckpointDirectory, "model.safetensors"), _model, DeployedMetadata() with { Version = $"{_options.Version}-step{step}" });
        optimizer.Save(Path.Combine(CheckpointDirectory, OptimizerFile));
        File.WriteAllText(Path.Combine(CheckpointDirectory, "state.json"), JsonSerializer.Serialize(new CheckpointState(step, _options.Seed)));
    }

    // Weights trained with a constant attention prior are meant to run with it: the file records it, so that every
    // loader (engine, eval, annotate) applies it.
    private bool ConstantPrior => _options.AttentionPrior > 0 && _options.AttentionPriorFade == 0;

    private WeightsMetadata DeployedMetadata() => !ConstantPrior ? _metadata : _metadata with
    {
        Provenance = new Dictionary<string, string>(_metadata.Provenance, StringComparer.Ordinal)
        {
            [InferenceHints.AttentionPriorKey] = _options.AttentionPrior.ToString("R", CultureInfo.InvariantCulture),
        },
    };

    private string Export(int step, Dictionary<string, double> metrics, TimeSpan elapsed)
    {
        string path = Path.Combine(_options.OutputDirectory, "model.safetensors");
        var provenance = new Dictionary<string, string>(DeployedMetadata().Provenance, StringComparer.Ordinal)
        {
            ["training.steps"] = step.ToString(CultureInfo.InvariantCulture),
            ["training.seed"] = _options.Seed.ToString(CultureInfo.InvariantCulture),
            ["training.options"] = JsonSerializer.Serialize(_options),
            ["training.wall_time_this_run"] = elapsed.ToString("c", CultureInfo.InvariantCulture),
            ["training.metrics"] = JsonSerializer.Serialize(MergedMetrics(metrics)),
        };
        // The trainer's detection targets are fractions of the padded canvas, whatever the starting weights used (an
        // official import records the release's unpadded frame).
        if (_tasks.Any(t => _model.Tasks[t.Task].Type == TaskType.Detection))
            provenance[InferenceHints.BoxFrameKey] = "padded";
        WeightsFile.Save(path, _model, _metadata with { Version = _options.Version, Provenance = provenance, Created = DateTimeOffset.UtcNow });
        return path;
    }

    // Weights that learned another task before (e.g. pose added to a detector) keep that task's recorded metrics: a
    // metric measured now replaces only its own earlier value.
    private Dictionary<string, double> MergedMetrics(Dictionary<string, double> metrics)
    {
        var merged = new Dictionary<string, double>(StringComparer.Ordinal);
        if (_metadata.Provenance.TryGetValue("training.metrics", out string? earlier))
        {
            try
            {
                foreach (var (key, value) in JsonSerializer.Deserialize<Dictionary<string, double>>(earlier) ?? [])
                    merged[key] = value;
            }
            catch (JsonException)
            {
                // An unreadable record is not carried over; the new metrics are still written.
            }
        }
        // A metric that could not be measured (NaN: e.g. a validation set without persons) is left out: JSON has no NaN.
        foreach (var (key, value) in metrics)
        {
            if (double.IsFinite(value))
                merged[key] = value;
            else
                merged.Remove(key);
        }
        return merged;
    }

    // Encoder parameters learn at a lower rate; a ViT's blocks additionally by depth (layer-wise decay).
    private static IEnumerable<(Parameter, double)> ParameterFactors(UniHcpModel model, TrainerOptions options)
    {
        int depth = model.Config.Encoder.Depth;
        bool vit = model.Config.Encoder.Kind == EncoderKind.Vit;
        foreach (var (fullName, parameter) in model.named_parameters())
        {
            if (!parameter.requires_grad)
                continue;
            // A task's own encoder ("tasks.<name>.backbone_module.*") learns at the rates the shared one would.
            int own = fullName.StartsWith("tasks.", StringComparison.Ordinal) ? fullName.IndexOf(".backbone_module.", StringComparison.Ordinal) : -1;
            string name = own > 0 ? fullName[(own + 1)..] : fullName;
            // The ResNet encoder's feature pyramid is new (randomly initialised): it learns at the full rate.
            if (!name.StartsWith("backbone_module.", StringComparison.Ordinal) || name.StartsWith("backbone_module.fpn.", StringComparison.Ordinal))
            {
                yield return (parameter, 1.0);
                continue;
            }
            double factor = options.EncoderLearningRateFactor;
            if (vit)
            {
                int layer = name.StartsWith("backbone_module.blocks.", StringComparison.Ordinal)
                    ? int.Parse(name.Split('.')[2], CultureInfo.InvariantCulture) + 1
                    : name.StartsWith("backbone_module.norm.", StringComparison.Ordinal) ? depth + 1 : 0;
                factor *= Math.Pow(options.LayerDecay, depth + 1 - layer);
            }
            yield return (parameter, Math.Round(factor, 12));
        }
    }

    /// <summary>A step's seed from the run's seed alone: the same in every process (HashCode.Combine is not: it is
    /// randomised per process, so a resumed run would draw other batches than the uninterrupted one).</summary>
    internal static int StepSeed(int seed, int step, int stream)
    {
        ulong x = ((ulong)(uint)seed << 32) ^ ((ulong)(uint)step << 2) ^ (uint)stream;
        // splitmix64 finaliser: neighbouring steps get unrelated seeds.
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return (int)((x ^ (x >> 31)) & 0x7FFFFFFF);
    }

    private sealed record CheckpointState(int Step, int Seed);
}
