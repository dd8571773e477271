using System.Globalization;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Inference.Processing;

namespace UniHCP.Pipeline.Inference.Checkpoints;

/// <summary>
/// How a weights file wants its detections read, recorded in its provenance by whoever trained or exported it:
/// the input short side it was trained at (a CPU model run at the release's 800 only spends time), a score
/// calibration (a logit shift putting its operating point at the usual thresholds) and whether near-duplicates
/// are suppressed. Files without these hints (the official checkpoints) get the release behaviour.
/// </summary>
public static class DetectionInput
{
    public const string ShortSideKey = "inference.detection_short_side";
    public const string ScoreLogitShiftKey = "inference.score_logit_shift";
    public const string DuplicateIoUKey = "inference.duplicate_iou";

    /// <summary>Strength of the detection decoder's spatial attention prior the weights were trained to rely on
    /// (UniHcpModel.DetectionAttentionPrior); applied whenever the file is loaded. Absent: none, the published decoder.</summary>
    public const string AttentionPriorKey = "inference.detection_attention_prior";

    /// <summary>The person tasks a run performs when nobody chose (comma-separated names; empty: detection only), for
    /// weights whose trained tasks cost more than their usual machine can give every frame. Absent: every trained task.</summary>
    public const string DefaultTasksKey = "inference.default_tasks";

    /// <summary>The recorded default task names, or null when the file records none.</summary>
    public static IReadOnlyList<string>? DefaultTasks(WeightsMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return metadata.Provenance.TryGetValue(DefaultTasksKey, out string? text)
            ? text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : null;
    }

    /// <summary>The recorded attention prior, or 0.</summary>
    public static double AttentionPrior(WeightsMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return Number(metadata, AttentionPriorKey) is { } prior && prior >= 0 ? prior : 0;
    }

    /// <summary>The recorded resize, or the release rule (short side 800) when the file records none.</summary>
    public static DetectionResize For(WeightsMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return Number(metadata, ShortSideKey) is { } side && side is >= 32 and <= 4096
            ? Resize((int)side)
            : new DetectionResize();
    }

    /// <summary>A resize to <paramref name="shortSide"/> with the release's aspect cap.</summary>
    public static DetectionResize Resize(int shortSide) => new(shortSide, (int)Math.Ceiling(shortSide * 1333.0 / 800));

    /// <summary><paramref name="options"/> with the file's hints where the caller left the defaults.</summary>
    public static PerceptionOptions Apply(WeightsMetadata metadata, PerceptionOptions options, bool resizeGiven = false)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(options);
        return options with
        {
            DetectionResize = resizeGiven ? options.DetectionResize : For(metadata),
            ScoreLogitShift = Number(metadata, ScoreLogitShiftKey) is { } shift ? (float)shift : options.ScoreLogitShift,
            DuplicateIoU = options.DuplicateIoU ?? (Number(metadata, DuplicateIoUKey) is { } iou ? (float)iou : null),
        };
    }

    private static double? Number(WeightsMetadata metadata, string key) =>
        metadata.Provenance.TryGetValue(key, out string? text)
        && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value)
            ? value
            : null;
}
