using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Training.Optimization;

/// <summary>The trainer's view of its optimiser: a step at the schedule's rate (each parameter's own factor applied),
/// and a state file to resume from.</summary>
internal interface ITrainingOptimizer : IDisposable
{
    void ZeroGrad();

    /// <param name="learningRate">The schedule's peak rate times its factor for this step.</param>
    void Step(double learningRate);

    void Save(string path);

    void Load(string path);

    /// <summary>AdamW (decoupled weight decay) or Adafactor, over parameters with learning-rate factors.</summary>
    public static ITrainingOptimizer Create(string name, IReadOnlyList<(Parameter Parameter, double Factor)> parameters, double learningRate, double weightDecay) => name switch
    {
        "adamw" => new AdamWOptimizer(parameters, learningRate, weightDecay),
        "adafactor" => new AdafactorOptimizer(new Adafactor(parameters, weightDecay)),
        _ => throw new ArgumentException($"Unknown optimiser '{name}': adamw or adafactor."),
    };

    private sealed class AdamWOptimizer : ITrainingOptimizer
    {
        private readonly AdamW _optimizer;
        private readonly double[] _factors;

        public AdamWOptimizer(IReadOnlyList<(Parameter Parameter, double Factor)> parameters, double learningRate, double weightDecay)
        {
            var groups = parameters.GroupBy(p => p.Factor).ToList();
            _optimizer = optim.AdamW(
                groups.Select(g => new AdamW.ParamGroup(g.Select(p => p.Parameter), new AdamW.Options { LearningRate = learningRate * g.Key, InitialLearningRate = learningRate * g.Key })),
                learningRate, weight_decay: weightDecay);
            _factors = [.. groups.Select(g => g.Key)];
        }

        public void ZeroGrad() => _optimizer.zero_grad();

        public void Step(double learningRate)
        {
            int g = 0;
            foreach (var group in _optimizer.ParamGroups)
                group.LearningRate = learningRate * _factors[g++];
            _optimizer.step();
        }

        public void Save(string path) => _optimizer.save_state_dict(path);

        public void Load(string path) => _optimizer.load_state_dict(path);

        public void Dispose() => _optimizer.Dispose();
    }

    private sealed class AdafactorOptimizer(Adafactor adafactor) : ITrainingOptimizer
    {
        public void ZeroGrad() => adafactor.ZeroGrad();

        public void Step(double learningRate) => adafactor.Step(learningRate);

        public void Save(string path) => adafactor.Save(path);

        public void Load(string path) => adafactor.Load(path);

        public void Dispose() => adafactor.Dispose();
    }
}
