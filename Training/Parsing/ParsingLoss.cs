using static TorchSharp.torch;

namespace UniHCP.Pipeline.Training.Parsing;

/// <summary>The parsing loss parts, for logs.</summary>
public sealed record ParsingLossParts(double Total, double Presence, double MaskBce, double Dice, int Masks);

/// <summary>
/// The parsing loss of the release: queries correspond one-to-one to classes (no matching). Class presence:
/// binary cross-entropy of each class's global logit against "the class is in the image", positives weighted
/// exp(1 - r) and negatives exp(r) with r the class's positive ratio (the attribute loss's weighting), weight 0.25.
/// Masks: for every class present in an image, binary cross-entropy (5.0) and dice (5.0) between the mask logits and
/// the class's mask at sampled points (Mask2Former's point loss; <see cref="ParsingPoints"/> chooses them), each
/// averaged over the batch's present masks. Label 255 in the target is ignored: its points count for neither.
/// </summary>
public sealed class ParsingLoss
{
    private readonly float[] _positiveRatios;

    public ParsingLoss(IReadOnlyList<double> positiveRatios, double presenceWeight = 0.25, double maskWeight = 5, double diceWeight = 5)
    {
        ArgumentNullException.ThrowIfNull(positiveRatios);
        if (positiveRatios.Count < 2 || positiveRatios.Any(r => !(r is >= 0 and <= 1)))
            throw new ArgumentException("Parsing needs a positive ratio between 0 and 1 for each of at least two classes.", nameof(positiveRatios));
        _positiveRatios = [.. positiveRatios.Select(r => (float)r)];
        PresenceWeight = presenceWeight;
        MaskWeight = maskWeight;
        DiceWeight = diceWeight;
    }

    public double PresenceWeight { get; }

    public double MaskWeight { get; }

    public double DiceWeight { get; }

    /// <param name="classLogits">[B, C] global logits (class presence).</param>
    /// <param name="maskLogits">[B, C, h, w] local-map logits.</param>
    /// <param name="labels">[B, H, W] class per pixel (int64; 255 ignored), any size: points read it by coordinates.</param>
    /// <param name="points">[B, C, N, 2] point (x, y) coordinates in [0, 1] per image and class (from <see cref="ParsingPoints"/>).</param>
    public (Tensor Loss, ParsingLossParts Parts) Compute(Tensor classLogits, Tensor maskLogits, Tensor labels, Tensor points)
    {
        ArgumentNullException.ThrowIfNull(classLogits);
        ArgumentNullException.ThrowIfNull(maskLogits);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(points);
        long batch = classLogits.shape[0], classes = classLogits.shape[1];
        if (classes != _positiveRatios.Length || maskLogits.dim() != 4 || maskLogits.shape[0] != batch || maskLogits.shape[1] != classes
            || labels.dim() != 3 || labels.shape[0] != batch || points.dim() != 4 || points.shape[0] != batch || points.shape[1] != classes || points.shape[3] != 2)
        {
            throw new ArgumentException($"Parsing loss inputs: class logits [{string.Join(", ", classLogits.shape)}], masks [{string.Join(", ", maskLogits.shape)}], labels [{string.Join(", ", labels.shape)}], points [{string.Join(", ", points.shape)}]; expected [B, {_positiveRatios.Length}], [B, {_positiveRatios.Length}, h, w], [B, H, W], [B, {_positiveRatios.Length}, N, 2].");
        }
        using var scope = NewDisposeScope();
        classLogits = classLogits.to(ScalarType.Float32);
        maskLogits = maskLogits.to(ScalarType.Float32);
        labels = labels.to(ScalarType.Int64);
        var classIds = arange(classes, device: labels.device).reshape(1, classes, 1, 1);
        var known = labels.ne(255).unsqueeze(1).to(ScalarType.Float32);                       // [B, 1, H, W]
        var targetMasks = labels.unsqueeze(1).eq(classIds).to(ScalarType.Float32);            // [B, C, H, W]
        var present = targetMasks.amax([2, 3]);                                                // [B, C]

        var ratio = tensor(_positiveRatios, device: classLogits.device).unsqueeze(0);
        var weight = exp((present * (1 - ratio)) + ((1 - present) * ratio));
        var presence = (nn.functional.binary_cross_entropy_with_logits(classLogits, present, reduction: nn.Reduction.None) * weight).sum() / batch;

        // Point values: logits bilinearly from the predicted maps, targets and the known-mask nearest from the labels.
        var grid = (points * 2) - 1;                                                           // [B, C, N, 2] in [-1, 1]
        var pointLogits = Sample(maskLogits, grid, InterpolationMode.Bilinear);                // [B, C, N]
        var pointTargets = Sample(targetMasks, grid, InterpolationMode.Nearest);
        var pointKnown = Sample(known.expand(-1, classes, -1, -1), grid, InterpolationMode.Nearest);
        var selected = present.gt(0.5);
        int masks = (int)selected.sum().item<long>();
        Tensor maskBce, dice;
        if (masks == 0)
        {
            maskBce = zeros(1, device: classLogits.device).sum();
            dice = zeros(1, device: classLogits.device).sum();
        }
        else
        {
            var logitsOf = pointLogits[selected];                                              // [M, N]
            var targetsOf = pointTargets[selected];
            var knownOf = pointKnown[selected];
            var perPoint = nn.functional.binary_cross_entropy_with_logits(logitsOf, targetsOf, reduction: nn.Reduction.None) * knownOf;
            maskBce = (perPoint.sum(1) / knownOf.sum(1).clamp(min: 1)).sum() / masks;
            var probability = sigmoid(logitsOf) * knownOf;
            var numerator = (2 * (probability * targetsOf).sum(1)) + 1;
            var denominator = probability.sum(1) + (targetsOf * knownOf).sum(1) + 1;
            dice = (1 - (numerator / denominator)).sum() / masks;
        }
        var loss = (presence * PresenceWeight) + (maskBce * MaskWeight) + (dice * DiceWeight);
        var parts = new ParsingLossParts(loss.item<float>(), presence.item<float>(), maskBce.item<float>(), dice.item<float>(), masks);
        return (loss.MoveToOuterDisposeScope(), parts);
    }

    // Values of maps [B, C, H, W] at points [B, C, N, 2] (align_corners false, as detectron2's point_sample): [B, C, N].
    private static Tensor Sample(Tensor maps, Tensor grid, InterpolationMode mode)
    {
        long batch = maps.shape[0], classes = maps.shape[1], n = grid.shape[2];
        var flatMaps = maps.reshape(batch * classes, 1, maps.shape[2], maps.shape[3]);
        var flatGrid = grid.reshape(batch * classes, 1, n, 2);
        var gridMode = mode == InterpolationMode.Nearest ? GridSampleMode.Nearest : GridSampleMode.Bilinear;
        return nn.functional.grid_sample(flatMaps, flatGrid, mode: gridMode, padding_mode: GridSamplePaddingMode.Zeros, align_corners: false)
            .reshape(batch, classes, n);
    }
}
