using System.Globalization;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Inference.Processing;

namespace UniHCP.Pipeline.Inference.Checkpoints;

/// <summary>
/// How a weights file wants to be run, recorded in its provenance by whoever trained, imported or exported it, and
/// read once, here, by <see cref="Engine.PerceptionEngineBuilder"/> (callers pass only their overrides). A hint the
/// file does not record takes the release's behaviour, except <see cref="BoxFrame"/> (see there).
/// </summary>
/// <param name="DetectionShortSide">Detection input short side the weights were trained at (null: the release's 800).
/// A CPU model run at 800 only spends time.</param>
/// <param name="DetectionMaxLongSide">Cap on the detection input's long side (null: the release's 1333 / 800 of the
/// short side). Wide cameras read at a smaller size than the short side alone gives, closer to the views the weights
/// learned from.</param>
/// <param name="ScoreLogitShift">Added to every detection logit: calibrates a young model whose scores sit low so that
/// its operating point lands at the usual thresholds (0: none).</param>
/// <param name="DuplicateIoU">Suppress a detection overlapping a better one by this IoU (null: keep all, as the
/// set-prediction design intends).</param>
/// <param name="AttentionPrior">Strength of the detection decoder's spatial attention prior the weights were trained
/// to rely on (0: none, the published decoder).</param>
/// <param name="DefaultTasks">Person tasks a run performs when nobody chose (empty: detection only), for weights whose
/// trained tasks cost more than their usual machine gives every frame; null: every trained task.</param>
/// <param name="BoxFrame">What predicted box fractions are fractions of.</param>
public sealed record InferenceHints(
    int? DetectionShortSide,
    int? DetectionMaxLongSide,
    float ScoreLogitShift,
    float? DuplicateIoU,
    double AttentionPrior,
    IReadOnlyList<string>? DefaultTasks,
    BoxFrame BoxFrame)
{
    public const string ShortSideKey = "inference.detection_short_side";
    public const string MaxLongSideKey = "inference.detection_max_long_side";
    public const string ScoreLogitShiftKey = "inference.score_logit_shift";
    public const string DuplicateIoUKey = "inference.duplicate_iou";
    public const string AttentionPriorKey = "inference.detection_attention_prior";
    public const string DefaultTasksKey = "inference.default_tasks";
    public const string BoxFrameKey = "inference.box_frame";

    /// <summary>The hints recorded in <paramref name="metadata"/>. Malformed values are errors naming the key: a file
    /// that says how it wants to be run and cannot be understood must not run another way silently.</summary>
    public static InferenceHints Read(WeightsMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var provenance = metadata.Provenance;
        double? side = Number(metadata, ShortSideKey);
        if (side is { } s && (s is < 32 or > 4096 || s != Math.Floor(s)))
            throw Bad(metadata, ShortSideKey, "a whole number of pixels within 32-4096");
        double? maxLong = Number(metadata, MaxLongSideKey);
        if (maxLong is { } m && (m < (side ?? 800) || m > 8192 || m != Math.Floor(m)))
            throw Bad(metadata, MaxLongSideKey, $"a whole number of pixels from the short side ({side ?? 800}) to 8192");
        double shift = Number(metadata, ScoreLogitShiftKey) ?? 0;
        if (Math.Abs(shift) > 20)
            throw Bad(metadata, ScoreLogitShiftKey, "within [-20, 20]");
        double? iou = Number(metadata, DuplicateIoUKey);
        if (iou is < 0.05 or > 1)
            throw Bad(metadata, DuplicateIoUKey, "within [0.05, 1]");
        double prior = Number(metadata, AttentionPriorKey) ?? 0;
        if (prior < 0)
            throw Bad(metadata, AttentionPriorKey, "0 or more");
        var tasks = provenance.TryGetValue(DefaultTasksKey, out string? names)
            ? names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : null;
        var frame = provenance.TryGetValue(BoxFrameKey, out string? text)
            ? text switch
            {
                "padded" => BoxFrame.PaddedCanvas,
                "unpadded" => BoxFrame.UnpaddedImage,
                _ => throw Bad(metadata, BoxFrameKey, "'padded' or 'unpadded'"),
            }
            // Files written before the convention was recorded are all ours (official checkpoints are only read
            // through the importer, which records 'unpadded'): they predict on the padded canvas.
            : BoxFrame.PaddedCanvas;
        return new InferenceHints(side is { } whole ? (int)whole : null, maxLong is { } cap ? (int)cap : null, (float)shift, iou is { } i ? (float)i : null, prior, tasks, frame);
    }

    /// <summary>The detection resize the file asks for (the release rule, short side 800, when it records none).</summary>
    public DetectionResize DetectionResize => DetectionShortSide is null && DetectionMaxLongSide is null
        ? new DetectionResize()
        : Resize(DetectionShortSide ?? 800, DetectionMaxLongSide);

    /// <summary>A resize to <paramref name="shortSide"/> with the long side capped at <paramref name="maxLongSide"/>,
    /// else at the release's aspect cap (1333 / 800 of the short side).</summary>
    public static DetectionResize Resize(int shortSide, int? maxLongSide = null) => new(shortSide, maxLongSide ?? (int)Math.Ceiling(shortSide * 1333.0 / 800));

    /// <summary><paramref name="resize"/> with its long side capped at <paramref name="maxLongSide"/> instead, when given;
    /// an error naming <paramref name="source"/> when the cap is under the short side or beyond 8192.</summary>
    public static DetectionResize WithMaxLongSide(DetectionResize resize, int? maxLongSide, string source)
    {
        ArgumentNullException.ThrowIfNull(resize);
        if (maxLongSide is not { } cap)
            return resize;
        return cap >= resize.ShortSide && cap <= 8192
            ? resize with { MaxLongSide = cap }
            : throw new ArgumentException($"{source} {cap} must be from the detection short side ({resize.ShortSide}) to 8192 pixels.");
    }

    /// <summary>The person tasks a run performs when the caller names none: the recorded default, else every trained
    /// task but detection and cloth-changing ReID (a second embedding that a deployment asks for by name).</summary>
    public IReadOnlyList<string> PersonTasks(WeightsMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return DefaultTasks ?? metadata.Tasks
            .Where(t => t.Trained && t.Type is not (TaskType.Detection or TaskType.ClothChangingReId))
            .Select(t => t.Name)
            .ToList();
    }

    /// <summary>The provenance entry that records <paramref name="frame"/>.</summary>
    public static KeyValuePair<string, string> Record(BoxFrame frame) =>
        new(BoxFrameKey, frame == BoxFrame.PaddedCanvas ? "padded" : "unpadded");

    private static double? Number(WeightsMetadata metadata, string key)
    {
        if (!metadata.Provenance.TryGetValue(key, out string? text))
            return null;
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value)
            ? value
            : throw Bad(metadata, key, "a finite number");
    }

    private static InvalidDataException Bad(WeightsMetadata metadata, string key, string expected) =>
        new($"Weights '{metadata.Version}': provenance '{key}' = '{metadata.Provenance[key]}' must be {expected}.");
}

/// <summary>What a detection box's predicted fractions are fractions of.</summary>
public enum BoxFrame
{
    /// <summary>The resized image padded to the encoder's multiple (the canvas the model saw): our trainer's
    /// convention, which keeps one scale for every image of a padded batch.</summary>
    PaddedCanvas,

    /// <summary>The resized image before padding: the release's convention (its training normalises targets by the
    /// resized, unpadded size and its post-processing multiplies by the original image size).</summary>
    UnpaddedImage,
}

/// <summary>Where <see cref="BoxFrame"/> becomes arithmetic.</summary>
public static class BoxFrameExtensions
{
    /// <summary>The factor, per axis, that turns the model's box fractions for an input of <paramref name="width"/> x
    /// <paramref name="height"/> into fractions of the image (null: they already are).</summary>
    public static (float X, float Y)? ImageScale(this BoxFrame frame, UniHcpModel model, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(model);
        return frame == BoxFrame.PaddedCanvas ? model.CanvasScale(width, height) : null;
    }
}
