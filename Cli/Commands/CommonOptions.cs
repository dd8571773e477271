using System.CommandLine;
using UniHCP.Pipeline.Inference.Engine;

namespace UniHCP.Pipeline.Cli.Commands;

/// <summary>Options shared by several commands.</summary>
internal static class CommonOptions
{
    /// <summary>--config: an appsettings.json-style file that overrides the defaults.</summary>
    public static Option<FileInfo?> Config { get; } = new("--config", "-c")
    {
        Description = "Configuration file (JSON, appsettings.json layout). Default: ./appsettings.json when present.",
        Recursive = true,
    };

    /// <summary>--duration: stop after this long.</summary>
    /// <summary>The model's arithmetic. bf16 is ~1.8x faster where the CPU computes it in hardware, at ~1 % relative
    /// difference in the outputs; every command that runs the model defaults alike, so their results agree.</summary>
    public static Option<Precision> Precision() => new("--precision")
    {
        Description = "Float32 or BFloat16 (default: BFloat16 on CPUs with AVX-512 BF16 or AMX, else Float32).",
        DefaultValueFactory = _ => CpuFeatures.HasFastBFloat16 ? Inference.Engine.Precision.BFloat16 : Inference.Engine.Precision.Float32,
    };

    /// <summary>The training optimiser: adamw (the default) or adafactor (the paper's; factored second moments).</summary>
    public static Option<string> Optimizer()
    {
        var option = new Option<string>("--optimizer")
        {
            Description = "adamw (the default) or adafactor (the paper's: factored second moments, far less optimiser memory for ViT-B).",
            DefaultValueFactory = _ => "adamw",
        };
        option.AcceptOnlyFromAmong("adamw", "adafactor");
        return option;
    }

    /// <summary>--out of a training run: its folder (checkpoint, logs, the exported weights).</summary>
    public static Option<DirectoryInfo> RunFolder() => new("--out", "-o") { Description = "Run folder (checkpoint, logs, model.safetensors).", Required = true };

    /// <summary>--weights a training run starts from.</summary>
    public static Option<FileInfo?> StartingWeights() => new("--weights") { Description = "Weights to start from (default: models/default.safetensors)." };

    /// <summary>--threads for libtorch.</summary>
    public static Option<int> Threads() => new("--threads") { Description = "libtorch threads (0: one per core).", DefaultValueFactory = _ => 0 };

    /// <summary>--short-sides of detection training: the input scales drawn at random (multi-scale).</summary>
    public static Option<string> TrainingShortSides() => new("--short-sides") { Description = "Training short sides in pixels, comma-separated (multi-scale; with --cache-trunk each is cached plain and mirrored).", DefaultValueFactory = _ => "512,576" };

    /// <summary>--max-long-side of detection training: no training view is wider than this.</summary>
    public static Option<int> TrainingMaxLongSide() => new("--max-long-side") { Description = "Training long-side cap in pixels (a 16:9 frame at short side 512 needs 910 to keep it).", DefaultValueFactory = _ => 768 };

    /// <summary>Reads --short-sides and --max-long-side into the augmentation's scales; a size outside 32-4096 or a
    /// cap below the largest short side is refused, naming the option.</summary>
    public static (IReadOnlyList<int> ShortSides, int MaxLongSide) ParseTrainingSizes(string shortSides, int maxLongSide)
    {
        var sides = new List<int>();
        foreach (string part in shortSides.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int side) || side is < 32 or > 4096)
                throw new ArgumentException($"--short-sides '{shortSides}': '{part}' is not a size between 32 and 4096 pixels.");
            sides.Add(side);
        }
        if (sides.Count == 0)
            throw new ArgumentException("--short-sides must list at least one size, e.g. 512,576.");
        if (maxLongSide < sides.Max() || maxLongSide > 8192)
            throw new ArgumentException($"--max-long-side {maxLongSide} must be at least the largest short side ({sides.Max()}) and at most 8192.");
        return (sides, maxLongSide);
    }

    /// <summary>The run's seed (batch order, augmentation, a new model's starting parameters): runs that differ only
    /// in it are the independent ingredients `weights average` takes.</summary>
    public static Option<int> Seed() => new("--seed")
    {
        Description = "Seed of the run's batch sampling and augmentation (and of a new model's starting parameters).",
        DefaultValueFactory = _ => 1,
    };

    public static Option<TimeSpan?> Duration() => new("--duration")
    {
        Description = "Stop after this long: 90, 90s, 2m, 1h or 00:01:30. Default: until the sources end (files) or Ctrl+C (live).",
        CustomParser = result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
            if (DurationParser.TryParse(text, out var duration))
                return duration;
            result.AddError($"--duration '{text}' is not a duration; use e.g. 90, 90s, 2m, 1h or 00:01:30.");
            return null;
        },
    };
}
