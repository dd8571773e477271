using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace UniHCP.Pipeline.Training.ReId;

/// <summary>The ReID loss parts, for logs.</summary>
public sealed record ReIdLossParts(double Total, double Identity, double Triplet);

/// <summary>
/// The ReID loss of the release, with its training-only head: identity cross-entropy of a bias-free linear
/// classifier on the batch-normalised feature (a "BNNeck": the normalisation's shift is frozen at 0), plus the
/// batch-hard triplet loss with a soft margin on the raw feature - for every anchor, the farthest same-identity
/// and the nearest other-identity feature in the batch (Euclidean), loss log(1 + exp(d_ap - d_an)), averaged.
/// Batches must hold several images per identity (the identity-balanced sampler's P x K).
/// </summary>
public sealed class ReIdCriterion : Module
{
    private readonly BatchNorm1d bottleneck;
    private readonly Linear classifier;

    public ReIdCriterion(int featureWidth, int identities, double identityWeight = 1, double tripletWeight = 1) : base(nameof(ReIdCriterion))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(featureWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(identities, 2);
        IdentityWeight = identityWeight;
        TripletWeight = tripletWeight;
        bottleneck = BatchNorm1d(featureWidth);
        bottleneck.bias!.requires_grad = false;
        classifier = Linear(featureWidth, identities, hasBias: false);
        init.normal_(classifier.weight!, std: 0.001);
        RegisterComponents();
    }

    public double IdentityWeight { get; }

    public double TripletWeight { get; }

    /// <summary>The classifier's weights [identities, width] (tests set them; training learns them).</summary>
    public Tensor ClassifierWeight => classifier.weight!;

    /// <param name="features">[B, D] (the ReID task's feature unit).</param>
    /// <param name="identities">[B] identity indices 0..identities-1.</param>
    public (Tensor Loss, ReIdLossParts Parts) Compute(Tensor features, Tensor identities)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(identities);
        if (features.dim() != 2 || identities.dim() != 1 || identities.shape[0] != features.shape[0])
            throw new ArgumentException($"Features [{string.Join(", ", features.shape)}] must be [B, D] and identities [{string.Join(", ", identities.shape)}] [B].");
        using var scope = NewDisposeScope();
        features = features.to(ScalarType.Float32);
        identities = identities.to(ScalarType.Int64);
        var identity = functional.cross_entropy(classifier.call(bottleneck.call(features)), identities);
        var triplet = BatchHardSoftMarginTriplet(features, identities);
        var loss = (identity * IdentityWeight) + (triplet * TripletWeight);
        var parts = new ReIdLossParts(loss.item<float>(), identity.item<float>(), triplet.item<float>());
        return (loss.MoveToOuterDisposeScope(), parts);
    }

    /// <summary>Mean over anchors of softplus(hardest positive distance - hardest negative distance).</summary>
    public static Tensor BatchHardSoftMarginTriplet(Tensor features, Tensor identities)
    {
        using var scope = NewDisposeScope();
        var squared = features.square().sum(1, keepdim: true);
        var distances = (squared + squared.t() - (2 * features.matmul(features.t()))).clamp(min: 1e-12).sqrt();
        var same = identities.unsqueeze(1).eq(identities.unsqueeze(0));
        if (same.all().item<bool>())
            throw new ArgumentException("A triplet batch needs at least two identities.");
        var hardestPositive = distances.masked_fill(same.logical_not(), float.NegativeInfinity).max(1).values;
        var hardestNegative = distances.masked_fill(same, float.PositiveInfinity).min(1).values;
        return functional.softplus(hardestPositive - hardestNegative).mean().MoveToOuterDisposeScope();
    }
}
