namespace UniHCP.Pipeline.Training.Detection;

/// <summary>Training-time detection augmentation: multi-scale resize and horizontal flip.</summary>
public sealed record DetectionAugment
{
    /// <summary>Short sides to pick from at random (pixels).</summary>
    public IReadOnlyList<int> ShortSides { get; init; } = [480, 512, 544, 576, 608, 640];

    /// <summary>Cap on the long side (pixels).</summary>
    public int MaxLongSide { get; init; } = 854;

    public double FlipProbability { get; init; } = 0.5;

    /// <summary>Boxes smaller than this (pixels, after resizing) are dropped from the targets.</summary>
    public float MinBoxSide { get; init; } = 2;

    /// <summary>Side of the random square crop taken after resizing (0: whole image). Training on crops
    /// keeps people at full resolution while a step costs a fraction of a frame.</summary>
    public int CropSize { get; init; }

    /// <summary>A person cut by the crop stays a target when this share of its box is inside; less, and its visible part becomes an ignore region.</summary>
    public float MinVisibleShare { get; init; } = 0.4f;
}
