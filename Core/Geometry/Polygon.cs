namespace UniHCP.Pipeline.Core.Geometry;

/// <summary>Plane geometry of zones and lines.</summary>
public static class Polygon
{
    /// <summary>Signed area (shoelace formula); the sign gives the orientation.</summary>
    public static double Area(IReadOnlyList<PixelPoint> points)
    {
        double twice = 0;
        for (int i = 0; i < points.Count; i++)
            twice += PixelPoint.Cross(points[i], points[(i + 1) % points.Count]);
        return twice / 2;
    }

    /// <summary>Whether <paramref name="p"/> lies inside the polygon (even-odd rule; a point on the outline counts as inside).</summary>
    public static bool Contains(IReadOnlyList<PixelPoint> points, PixelPoint p)
    {
        bool inside = false;
        for (int i = 0, j = points.Count - 1; i < points.Count; j = i++)
        {
            var a = points[i];
            var b = points[j];
            if (OnSegment(a, b, p))
                return true;
            if ((a.Y > p.Y) != (b.Y > p.Y) && p.X < ((b.X - a.X) * (p.Y - a.Y) / (b.Y - a.Y)) + a.X)
                inside = !inside;
        }
        return inside;
    }

    /// <summary>The first two non-adjacent edges that meet (edge i runs from point i to point i + 1), or null for a simple polygon.</summary>
    public static (int A, int B)? FirstSelfIntersection(IReadOnlyList<PixelPoint> points)
    {
        int n = points.Count;
        for (int i = 0; i < n; i++)
        {
            for (int j = i + 1; j < n; j++)
            {
                bool adjacent = j == i + 1 || (i == 0 && j == n - 1);
                if (adjacent)
                    continue;
                if (SegmentsMeet(points[i], points[(i + 1) % n], points[j], points[(j + 1) % n]))
                    return (i, j);
            }
        }
        return null;
    }

    /// <summary>Whether the closed segments a-b and c-d have a point in common.</summary>
    public static bool SegmentsMeet(PixelPoint a, PixelPoint b, PixelPoint c, PixelPoint d)
    {
        double d1 = PixelPoint.Cross(b - a, c - a), d2 = PixelPoint.Cross(b - a, d - a);
        double d3 = PixelPoint.Cross(d - c, a - c), d4 = PixelPoint.Cross(d - c, b - c);
        if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)))
            return true;
        return (d1 == 0 && OnSegment(a, b, c)) || (d2 == 0 && OnSegment(a, b, d)) || (d3 == 0 && OnSegment(c, d, a)) || (d4 == 0 && OnSegment(c, d, b));
    }

    private static bool OnSegment(PixelPoint a, PixelPoint b, PixelPoint p) =>
        Math.Abs(PixelPoint.Cross(b - a, p - a)) <= 1e-9 * Math.Max(1, (b - a).Length)
        && p.X >= Math.Min(a.X, b.X) - 1e-9 && p.X <= Math.Max(a.X, b.X) + 1e-9
        && p.Y >= Math.Min(a.Y, b.Y) - 1e-9 && p.Y <= Math.Max(a.Y, b.Y) + 1e-9;
}
