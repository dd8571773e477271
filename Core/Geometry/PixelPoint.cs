using System.Text.Json.Serialization;

namespace UniHCP.Pipeline.Core.Geometry;

/// <summary>A point in a camera's frame, in pixels (x to the right, y down), as the boxes are.</summary>
public readonly record struct PixelPoint(double X, double Y)
{
    public static PixelPoint operator -(PixelPoint a, PixelPoint b) => new(a.X - b.X, a.Y - b.Y);

    /// <summary>The z of the cross product: positive when <paramref name="b"/> is clockwise of <paramref name="a"/> on screen (y down).</summary>
    public static double Cross(PixelPoint a, PixelPoint b) => (a.X * b.Y) - (a.Y * b.X);

    public static double Dot(PixelPoint a, PixelPoint b) => (a.X * b.X) + (a.Y * b.Y);

    // Derived, so not part of the point's JSON (API answers, stored geometry): a point pasted into a configuration is x and y.
    [JsonIgnore]
    public double Length => Math.Sqrt((X * X) + (Y * Y));

    public override string ToString() => FormattableString.Invariant($"({X:0.#}, {Y:0.#})");
}
