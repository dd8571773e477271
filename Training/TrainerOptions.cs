namespace UniHCP.Pipeline.Training;

/// <summary>How a training run is driven.</summary>
public sealed record TrainerOptions
{
    /// <summary>Run folder: checkpoint/, logs, the exported weights.</summary>
    public required string OutputDirectory { get; init; }

    public int Steps { get; init; } = 2000;

    /// <summary>Peak learning rate of the decoder, interpreter and queries (AdamW).</summary>
    public double LearningRate { get; init; } = 2e-4;

    /// <summary>The encoder's learning rate relative to <see cref="LearningRate"/> (pretrained weights move slowly).</summary>
    public double EncoderLearningRateFactor { get; init; } = 0.1;

    /// <summary>Layer-wise decay in a ViT encoder: block i of L learns at factor^(L - i) (release: 0.75).</summary>
    public double LayerDecay { get; init; } = 0.75;

    public double WeightDecay { get; init; } = 1e-4;

    /// <summary>adamw (the default) or adafactor (the release's choice: factored second moments, beta2 capped at 0.999,
    /// decoupled weight decay - give WeightDecay 0.05 for the release's setting).</summary>
    public string Optimizer { get; init; } = "adamw";

    /// <summary>Encoder parts kept fixed (not trained), by key prefix under "backbone_module." (e.g.
    /// "conv1", "layer1" for a ResNet: the early, high-resolution layers, whose backward pass costs
    /// most and whose ImageNet features need least change).</summary>
    public IReadOnlyList<string> FrozenEncoderParts { get; init; } = [];

    /// <summary>When not empty, only the parameters whose state-dict name starts with one of these prefixes train and
    /// every other one stays as loaded: a new task's queries and heads on a frozen model (prompt tuning, or teaching
    /// weights trained for detection a second task without moving what detection reads).</summary>
    public IReadOnlyList<string> TrainableParameters { get; init; } = [];

    /// <summary>Linear warm-up, then cosine decay to <see cref="MinLearningRateFactor"/> of the peak.</summary>
    public int WarmupSteps { get; init; } = 200;

    public double MinLearningRateFactor { get; init; } = 0.05;

    /// <summary>Maximum gradient norm (0: no clipping).</summary>
    public double GradientClip { get; init; } = 0.1;

    public int Seed { get; init; } = 1;

    /// <summary>Run the forward and backward passes in bfloat16 (the weights the optimiser keeps stay float32).</summary>
    public bool BFloat16 { get; init; }

    /// <summary>Starting strength of the detection decoder's training-only attention prior around each
    /// query's anchor (<see cref="UniHCP.Pipeline.Inference.Model.UniHcpModel.DetectionAttentionPrior"/>; 0: none).</summary>
    public double AttentionPrior { get; init; }

    /// <summary>Share of <see cref="Steps"/> over which the prior fades linearly to 0 (the rest train without it);
    /// 0 keeps it at full strength throughout (for weights meant to run with it: `weights export --attention-prior`).</summary>
    public double AttentionPriorFade { get; init; } = 0.6;

    public int CheckpointEvery { get; init; } = 100;

    public int EvaluateEvery { get; init; } = 500;

    /// <summary>Stop (with a checkpoint) after this much wall time; run again to resume.</summary>
    public TimeSpan? TimeLimit { get; init; }

    /// <summary>Version of the exported weights.</summary>
    public string Version { get; init; } = "trained";

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(OutputDirectory))
            throw new ArgumentException("OutputDirectory is required.");
        if (Optimizer is not ("adamw" or "adafactor"))
            throw new ArgumentException($"Optimizer '{Optimizer}' is not adamw or adafactor.");
        if (Steps < 1 || WarmupSteps < 0 || CheckpointEvery < 1 || EvaluateEvery < 1)
            throw new ArgumentException($"Steps ({Steps}), CheckpointEvery ({CheckpointEvery}) and EvaluateEvery ({EvaluateEvery}) must be positive, WarmupSteps ({WarmupSteps}) not negative.");
        if (!(AttentionPrior >= 0) || double.IsInfinity(AttentionPrior) || AttentionPriorFade is < 0 or > 1)
            throw new ArgumentException($"AttentionPrior ({AttentionPrior}) must be finite and not negative, AttentionPriorFade ({AttentionPriorFade}) in [0, 1].");
        if (!(LearningRate > 0) || !(EncoderLearningRateFactor >= 0) || LayerDecay is <= 0 or > 1 || WeightDecay < 0 || GradientClip < 0 || MinLearningRateFactor is < 0 or > 1)
            throw new ArgumentException("Learning rates, decays and the clip must be non-negative (LearningRate positive, LayerDecay in (0, 1]).");
    }
}
