using static TorchSharp.torch;

namespace UniHCP.Pipeline.Training.Pose;

/// <summary>The pose loss parts, for logs.</summary>
public sealed record PoseLossParts(double Total, double Heatmap, double Visibility);

/// <summary>
/// The pose loss of the release: heatmap mean squared error with every joint's error scaled by its target weight
/// (0 for an unlabelled joint, else the joint's weight, 1.0 for all COCO joints in the release), mmpose's
/// JointsMSELoss definition (mean over batch, joints and pixels, no 0.5 factor), plus binary cross-entropy of the
/// joint-visibility logits (the global unit) against "labelled" at weight 0.001.
/// </summary>
public sealed class PoseLoss(double visibilityWeight = 0.001)
{
    public double VisibilityWeight { get; } = visibilityWeight >= 0 ? visibilityWeight : throw new ArgumentOutOfRangeException(nameof(visibilityWeight), "The visibility weight cannot be negative.");

    /// <param name="heatmaps">Predicted heatmaps [B, J, H, W] (the local-map logits, used as values).</param>
    /// <param name="visibilityLogits">[B, J] (the global logits).</param>
    /// <param name="targets">Target Gaussians [B, J, H, W].</param>
    /// <param name="targetWeights">[B, J]: 0 where the joint is not labelled, else its weight.</param>
    public (Tensor Loss, PoseLossParts Parts) Compute(Tensor heatmaps, Tensor visibilityLogits, Tensor targets, Tensor targetWeights)
    {
        ArgumentNullException.ThrowIfNull(heatmaps);
        ArgumentNullException.ThrowIfNull(visibilityLogits);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(targetWeights);
        if (heatmaps.dim() != 4 || !heatmaps.shape.SequenceEqual(targets.shape))
            throw new ArgumentException($"Heatmaps [{string.Join(", ", heatmaps.shape)}] and targets [{string.Join(", ", targets.shape)}] must both be [B, J, H, W].");
        long[] joints = [heatmaps.shape[0], heatmaps.shape[1]];
        if (!visibilityLogits.shape.SequenceEqual(joints) || !targetWeights.shape.SequenceEqual(joints))
            throw new ArgumentException($"Visibility logits [{string.Join(", ", visibilityLogits.shape)}] and target weights [{string.Join(", ", targetWeights.shape)}] must both be [{joints[0]}, {joints[1]}].");
        using var scope = NewDisposeScope();
        var weights = targetWeights.to(ScalarType.Float32);
        var error = (heatmaps.to(ScalarType.Float32) - targets.to(ScalarType.Float32)) * weights.unsqueeze(-1).unsqueeze(-1);
        var heatmap = error.square().mean();
        var visibility = nn.functional.binary_cross_entropy_with_logits(visibilityLogits.to(ScalarType.Float32), weights.gt(0).to(ScalarType.Float32));
        var loss = heatmap + (visibility * VisibilityWeight);
        var parts = new PoseLossParts(loss.item<float>(), heatmap.item<float>(), visibility.item<float>());
        return (loss.MoveToOuterDisposeScope(), parts);
    }
}
