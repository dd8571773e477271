using System.Text.Json.Serialization;

namespace UniHCP.Pipeline.Core.Geometry;

/// <summary>
/// The zones and counting lines of one camera. Events carry the <see cref="Version"/> they were computed with, so past
/// events keep the geometry they were counted with when it is edited later.
/// </summary>
public sealed class CameraGeometry
{
    /// <summary>The camera's frame size in pixels, when known: every point must then lie inside the frame.</summary>
    public int? FrameWidth { get; set; }

    /// <inheritdoc cref="FrameWidth"/>
    public int? FrameHeight { get; set; }

    public List<ZoneGeometry> Zones { get; set; } = [];

    public List<LineGeometry> Lines { get; set; } = [];

    /// <summary>Set by the store when it records this geometry (1 for the first definition); 0 before. Not part of the definition.</summary>
    [JsonIgnore]
    public int Version { get; set; }

    /// <summary>Every problem of this geometry, each naming the camera, the zone or line and what is wrong; empty when valid.</summary>
    public IReadOnlyList<string> Problems(string cameraId)
    {
        var problems = new List<string>();
        string where = $"camera '{cameraId}'";
        if (FrameWidth is <= 0 || FrameHeight is <= 0 || FrameWidth.HasValue != FrameHeight.HasValue)
            problems.Add($"{where}: FrameWidth and FrameHeight must both be given and positive, or neither.");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var zone in Zones)
        {
            string at = $"{where}, zone '{zone.Name}'";
            CheckName(zone.Name, $"{where}, a zone", names, problems);
            if (zone.Points.Count < 3)
            {
                problems.Add($"{at}: a zone needs at least 3 points; it has {zone.Points.Count}.");
                continue;
            }
            CheckPoints(zone.Points, at, problems);
            if (Polygon.FirstSelfIntersection(zone.Points) is { } edges)
                problems.Add($"{at}: the outline crosses itself (edge {edges.A + 1} and edge {edges.B + 1}); a zone must be a simple polygon.");
            else if (Math.Abs(Polygon.Area(zone.Points)) < 1)
                problems.Add($"{at}: the polygon has no area (its points are on one line).");
            if (zone.DwellThreshold is { } dwell && dwell <= TimeSpan.Zero)
                problems.Add($"{at}: DwellThreshold must be positive; it is {dwell}.");
            if (zone.OccupancyLimit is < 0)
                problems.Add($"{at}: OccupancyLimit must not be negative; it is {zone.OccupancyLimit}.");
        }
        foreach (var line in Lines)
        {
            string at = $"{where}, line '{line.Name}'";
            CheckName(line.Name, $"{where}, a line", names, problems);
            CheckPoints([line.From, line.To], at, problems);
            if ((line.To - line.From).Length < 1)
                problems.Add($"{at}: From {line.From} and To {line.To} must be at least a pixel apart.");
            if (!Enum.IsDefined(line.InSide))
                problems.Add($"{at}: InSide must be Left or Right.");
        }
        return problems;
    }

    private static void CheckName(string name, string what, HashSet<string> names, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 100 || name.Any(char.IsControl))
            problems.Add($"{what} needs a Name of 1-100 printable characters.");
        else if (!names.Add(name))
            problems.Add($"{what} is named '{name}' like another zone or line of the camera; names must be unique per camera.");
    }

    private void CheckPoints(IReadOnlyList<PixelPoint> points, string at, List<string> problems)
    {
        for (int i = 0; i < points.Count; i++)
        {
            var p = points[i];
            if (!double.IsFinite(p.X) || !double.IsFinite(p.Y) || p.X < 0 || p.Y < 0)
                problems.Add($"{at}: point {i + 1} {p} must be finite and not negative.");
            else if (FrameWidth is { } w && FrameHeight is { } h && (p.X > w || p.Y > h))
                problems.Add($"{at}: point {i + 1} {p} lies outside the {w}x{h} frame.");
        }
    }
}
