using UniHCP.Pipeline.Core.Algorithms;
using UniHCP.Pipeline.Inference.Model;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Training.Detection;

/// <summary>The loss parts of the last decoder layer, for logs.</summary>
public sealed record DetectionLossParts(double Total, double Class, double L1, double GIoU, int Boxes);

/// <summary>
/// The detection loss of the paper: each decoder layer's queries are matched one-to-one to the
/// ground truth by the Hungarian method on a cost of focal classification (2), L1 on (cx, cy, w, h)
/// (5) and generalised IoU (2); the loss is sigmoid focal (2) over all queries plus L1 (5) and GIoU
/// (2) on the matched ones, normalised by the number of boxes and summed over layers. Unmatched
/// queries predicting into ignore regions are left out of the focal term.
/// </summary>
public sealed class DetectionCriterion(DetectionLossWeights weights)
{
    public DetectionLossWeights Weights { get; } = weights;

    public (Tensor Loss, DetectionLossParts Parts) Compute(IReadOnlyList<TaskOutput> layers, IReadOnlyList<DetectionTarget> targets)
    {
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(targets);
        int boxes = targets.Sum(t => (int)t.Boxes.shape[0]);
        double normaliser = Math.Max(boxes, 1);
        Tensor? total = null;
        DetectionLossParts? last = null;
        foreach (var layer in layers)
        {
            var (loss, cls, l1, giou) = LayerLoss(layer.GlobalLogits!, layer.Boxes!, targets, normaliser);
            total = total is null ? loss : total + loss;
            last = new DetectionLossParts(0, cls, l1, giou, boxes);
        }
        var result = total ?? throw new ArgumentException("No decoder layers to supervise.");
        return (result, last! with { Total = result.item<float>() });
    }

    private (Tensor Loss, double Class, double L1, double GIoU) LayerLoss(Tensor logits, Tensor predicted, IReadOnlyList<DetectionTarget> targets, double normaliser)
    {
        logits = logits.to(ScalarType.Float32);
        predicted = predicted.to(ScalarType.Float32);
        var classTargets = zeros_like(logits);
        var weightMask = ones_like(logits);
        var matchedPredictions = new List<Tensor>();
        var matchedTargets = new List<Tensor>();
        for (int b = 0; b < targets.Count; b++)
        {
            var (queryIndex, targetIndex) = Match(logits[b], predicted[b], targets[b].Boxes);
            using (no_grad())
            {
                if (queryIndex.Length > 0)
                    classTargets[b].index_fill_(0, tensor(queryIndex), 1);
                if (targets[b].Ignore.shape[0] > 0)
                {
                    var ioa = BoxOps.IntersectionOverFirst(BoxOps.CxcywhToXyxy(predicted[b].detach()), targets[b].Ignore);
                    var inIgnore = ioa.max(1).values > Weights.IgnoreIoA;
                    if (queryIndex.Length > 0)
                        inIgnore.index_fill_(0, tensor(queryIndex), false);
                    weightMask[b].masked_fill_(inIgnore, 0);
                }
            }
            if (queryIndex.Length > 0)
            {
                matchedPredictions.Add(predicted[b].index_select(0, tensor(queryIndex)));
                matchedTargets.Add(targets[b].Boxes.index_select(0, tensor(targetIndex)));
            }
        }

        var focal = Focal(logits, classTargets) * weightMask;
        var classLoss = focal.sum() / normaliser;
        Tensor l1Loss, giouLoss;
        if (matchedPredictions.Count > 0)
        {
            var p = cat(matchedPredictions, 0);
            var t = cat(matchedTargets, 0);
            l1Loss = (p - t).abs().sum() / normaliser;
            giouLoss = (1 - BoxOps.GeneralizedIoU(BoxOps.CxcywhToXyxy(p), BoxOps.CxcywhToXyxy(t)).diagonal()).sum() / normaliser;
        }
        else
        {
            l1Loss = predicted.sum() * 0;
            giouLoss = predicted.sum() * 0;
        }
        var loss = (Weights.Class * classLoss) + (Weights.L1 * l1Loss) + (Weights.GIoU * giouLoss);
        return (loss, classLoss.item<float>(), l1Loss.item<float>(), giouLoss.item<float>());
    }

    private Tensor Focal(Tensor logits, Tensor targets)
    {
        var p = sigmoid(logits);
        var ce = nn.functional.binary_cross_entropy_with_logits(logits, targets, reduction: nn.Reduction.None);
        var pt = (p * targets) + ((1 - p) * (1 - targets));
        var loss = ce * pow(1 - pt, Weights.Gamma);
        var alpha = (Weights.Alpha * targets) + ((1 - Weights.Alpha) * (1 - targets));
        return alpha * loss;
    }

    /// <summary>Hungarian matching of one image: (query indices, target indices) of the pairs.</summary>
    internal (long[] Queries, long[] Targets) Match(Tensor logits, Tensor boxes, Tensor targetBoxes)
    {
        long n = targetBoxes.shape[0];
        if (n == 0)
            return ([], []);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var p = sigmoid(logits.detach());
        var negative = (1 - Weights.Alpha) * pow(p, Weights.Gamma) * -log(1 - p + 1e-8);
        var positive = Weights.Alpha * pow(1 - p, Weights.Gamma) * -log(p + 1e-8);
        var classCost = (positive - negative).unsqueeze(1);
        var l1Cost = cdist(boxes.detach(), targetBoxes, p: 1);
        var giouCost = -BoxOps.GeneralizedIoU(BoxOps.CxcywhToXyxy(boxes.detach()), BoxOps.CxcywhToXyxy(targetBoxes));
        var cost = ((Weights.L1 * l1Cost) + (Weights.Class * classCost) + (Weights.GIoU * giouCost)).t().contiguous().to(ScalarType.Float64).cpu();
        var values = cost.data<double>().ToArray();
        long q = boxes.shape[0];
        var matrix = new double[n, q];
        Buffer.BlockCopy(values, 0, matrix, 0, values.Length * sizeof(double));
        int[] assignment = LinearAssignment.Solve(matrix);
        return (assignment.Select(a => (long)a).ToArray(), Enumerable.Range(0, (int)n).Select(i => (long)i).ToArray());
    }
}
