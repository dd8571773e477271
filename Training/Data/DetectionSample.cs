using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Processing;

namespace UniHCP.Pipeline.Training.Data;

/// <summary>
/// One image with its person boxes (pixels, x1 y1 x2 y2 exclusive) and its ignore regions: areas
/// whose people are not labelled (crowds, or uncertain teacher boxes), where detections are
/// neither rewarded nor penalised.
/// </summary>
public sealed record DetectionSample(string Id, RgbImage Image, IReadOnlyList<BoundingBox> Boxes, IReadOnlyList<BoundingBox> Ignore)
{
    /// <summary>The dataset the sample came from (for reports and per-dataset weights).</summary>
    public string Dataset { get; init; } = string.Empty;
}
