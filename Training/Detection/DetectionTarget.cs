using static TorchSharp.torch;

namespace UniHCP.Pipeline.Training.Detection;

/// <summary>One image's training targets: person boxes [N, 4] as (cx, cy, w, h) and ignore regions
/// [K, 4] as (x1, y1, x2, y2), both normalised by the image's resized size (by <see cref="DetectionBatcher.Make"/>:
/// by the batch's padded canvas, the frame the model predicts in).</summary>
public sealed record DetectionTarget(Tensor Boxes, Tensor Ignore);
