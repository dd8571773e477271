using static TorchSharp.torch;

namespace UniHCP.Pipeline.Training.Detection;

/// <summary>Box conversions and overlaps as tensor operations (differentiable where a loss needs them).</summary>
public static class BoxOps
{
    /// <summary>(cx, cy, w, h) to (x1, y1, x2, y2), last dimension.</summary>
    public static Tensor CxcywhToXyxy(Tensor boxes)
    {
        var parts = boxes.unbind(-1);
        var (cx, cy, w, h) = (parts[0], parts[1], parts[2], parts[3]);
        return stack([cx - (0.5 * w), cy - (0.5 * h), cx + (0.5 * w), cy + (0.5 * h)], -1);
    }

    /// <summary>Pairwise generalised IoU [N, M] of xyxy boxes [N, 4] and [M, 4].</summary>
    public static Tensor GeneralizedIoU(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        var areaA = (a[.., 2] - a[.., 0]).clamp(min: 0) * (a[.., 3] - a[.., 1]).clamp(min: 0);
        var areaB = (b[.., 2] - b[.., 0]).clamp(min: 0) * (b[.., 3] - b[.., 1]).clamp(min: 0);
        var topLeft = maximum(a[.., ..2].unsqueeze(1), b[.., ..2].unsqueeze(0));
        var bottomRight = minimum(a[.., 2..].unsqueeze(1), b[.., 2..].unsqueeze(0));
        var wh = (bottomRight - topLeft).clamp(min: 0);
        var inter = wh[.., .., 0] * wh[.., .., 1];
        var union = areaA.unsqueeze(1) + areaB.unsqueeze(0) - inter;
        var iou = inter / union.clamp(min: 1e-7);
        var outerTopLeft = minimum(a[.., ..2].unsqueeze(1), b[.., ..2].unsqueeze(0));
        var outerBottomRight = maximum(a[.., 2..].unsqueeze(1), b[.., 2..].unsqueeze(0));
        var outer = (outerBottomRight - outerTopLeft).clamp(min: 0);
        var enclosing = outer[.., .., 0] * outer[.., .., 1];
        return (iou - ((enclosing - union) / enclosing.clamp(min: 1e-7))).MoveToOuterDisposeScope();
    }

    /// <summary>Intersection over the area of the first box, pairwise [N, M] (how much of a prediction lies in an ignore region).</summary>
    public static Tensor IntersectionOverFirst(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        var areaA = (a[.., 2] - a[.., 0]).clamp(min: 0) * (a[.., 3] - a[.., 1]).clamp(min: 0);
        var topLeft = maximum(a[.., ..2].unsqueeze(1), b[.., ..2].unsqueeze(0));
        var bottomRight = minimum(a[.., 2..].unsqueeze(1), b[.., 2..].unsqueeze(0));
        var wh = (bottomRight - topLeft).clamp(min: 0);
        return (wh[.., .., 0] * wh[.., .., 1] / areaA.unsqueeze(1).clamp(min: 1e-7)).MoveToOuterDisposeScope();
    }
}
