namespace UniHCP.Pipeline.Training.Detection;

/// <summary>The release's detection loss and matching weights.</summary>
public sealed record DetectionLossWeights
{
    public double Class { get; init; } = 2.0;

    public double L1 { get; init; } = 5.0;

    public double GIoU { get; init; } = 2.0;

    /// <summary>Focal loss alpha (positive share).</summary>
    public double Alpha { get; init; } = 0.25;

    /// <summary>Focal loss gamma.</summary>
    public double Gamma { get; init; } = 2.0;

    /// <summary>An unmatched prediction lying this much (intersection over its area) in an ignore region is not penalised.</summary>
    public double IgnoreIoA { get; init; } = 0.7;
}
