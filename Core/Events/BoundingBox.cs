namespace UniHCP.Pipeline.Core.Events;

/// <summary>An axis-aligned box in source-frame pixels: left, top (inclusive), right, bottom (exclusive).</summary>
public readonly record struct BoundingBox(float X1, float Y1, float X2, float Y2)
{
    public float Width => X2 - X1;

    public float Height => Y2 - Y1;

    public float Area => Math.Max(0, Width) * Math.Max(0, Height);

    /// <summary>Intersection over union; 0 when either box is empty.</summary>
    public float IoU(BoundingBox other)
    {
        float w = Math.Min(X2, other.X2) - Math.Max(X1, other.X1);
        float h = Math.Min(Y2, other.Y2) - Math.Max(Y1, other.Y1);
        if (w <= 0 || h <= 0)
            return 0;
        float inter = w * h;
        float union = Area + other.Area - inter;
        return union <= 0 ? 0 : inter / union;
    }
}
