namespace UniHCP.Pipeline.Inference.Processing;

/// <summary>
/// The detection input size rule of the release evaluation (DETR's): scale the short side to
/// <see cref="ShortSide"/> unless that makes the long side exceed <see cref="MaxLongSide"/>, in
/// which case the long side is capped. The image is then padded to a multiple of 16 by the
/// encoder. Boxes come back normalised by the resized, unpadded image, so multiplying by the
/// source size maps them to source pixels.
/// </summary>
/// <param name="ShortSide">Target short side in pixels (release: 800).</param>
/// <param name="MaxLongSide">Cap on the long side (release: 1333).</param>
public sealed record DetectionResize(int ShortSide = 800, int MaxLongSide = 1333)
{
    /// <summary>Output (width, height) for a source of <paramref name="width"/> x <paramref name="height"/>.</summary>
    public (int Width, int Height) SizeFor(int width, int height)
    {
        if (width <= 0 || height <= 0)
            throw new ArgumentOutOfRangeException(nameof(width), $"Image size must be positive (got {width}x{height}).");
        double size = ShortSide;
        double shortSide = Math.Min(width, height), longSide = Math.Max(width, height);
        if (longSide / shortSide * size > MaxLongSide)
            size = Math.Round(MaxLongSide * shortSide / longSide, MidpointRounding.ToEven);
        if ((width <= height && width == size) || (height <= width && height == size))
            return (width, height);
        return width < height
            ? ((int)size, (int)(size * height / width))
            : ((int)(size * width / height), (int)size);
    }

    public void Validate()
    {
        if (ShortSide is < 32 or > 4096 || MaxLongSide < ShortSide || MaxLongSide > 8192)
            throw new ArgumentException($"Detection resize: ShortSide {ShortSide} must be 32..4096 and MaxLongSide {MaxLongSide} at least ShortSide and at most 8192.");
    }
}
