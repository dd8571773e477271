namespace UniHCP.Pipeline.Core.Geometry;

/// <summary>
/// A polygon of one camera's frame where detections are false by the operator's word (a sign, a mannequin, a poster
/// the detector takes for a person): a person whose foot point (the bottom centre of the box) lies inside is dropped
/// before tracking, as if never detected. Object masks of this kind are how surveillance systems let an operator
/// silence a fixed false positive without retraining.
/// </summary>
public sealed class IgnoreArea
{
    /// <summary>Unique among the camera's ignore areas (logs and messages name it).</summary>
    public string Name { get; set; } = "";

    /// <summary>The outline, in the camera's frame pixels, at least three corners in order, not crossing itself.</summary>
    public List<PixelPoint> Points { get; set; } = [];

    /// <summary>Every problem of one camera's areas, each naming the camera, the area and what is wrong; empty when valid.</summary>
    public static IReadOnlyList<string> Problems(string cameraId, IReadOnlyList<IgnoreArea>? areas)
    {
        var problems = new List<string>();
        string where = $"camera '{cameraId}'";
        if (!Events.CameraId.IsValid(cameraId))
            problems.Add($"{where}: not a camera id (1-64 letters, digits, '.', '_', '-').");
        // An empty list is the camera without areas (it removes ones stored for it, see IgnoreAreaStore).
        if (areas is null)
        {
            problems.Add($"{where}: give a list of areas ([] for none).");
            return problems;
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var area in areas)
        {
            if (area is null)
            {
                problems.Add($"{where}: an area is empty.");
                continue;
            }
            string at = $"{where}, ignore area '{area.Name}'";
            if (string.IsNullOrWhiteSpace(area.Name) || area.Name.Length > 100 || area.Name.Any(char.IsControl))
                problems.Add($"{where}: an ignore area needs a Name of 1-100 printable characters.");
            else if (!names.Add(area.Name))
                problems.Add($"{at}: the name is used twice; names must be unique per camera.");
            if (area.Points.Count < 3)
            {
                problems.Add($"{at}: an area needs at least 3 points; it has {area.Points.Count}.");
                continue;
            }
            for (int i = 0; i < area.Points.Count; i++)
            {
                var p = area.Points[i];
                if (!double.IsFinite(p.X) || !double.IsFinite(p.Y) || p.X < 0 || p.Y < 0)
                    problems.Add($"{at}: point {i + 1} {p} must be finite and not negative.");
            }
            if (Polygon.FirstSelfIntersection(area.Points) is { } edges)
                problems.Add($"{at}: the outline crosses itself (edge {edges.A + 1} and edge {edges.B + 1}); an area must be a simple polygon.");
            else if (Math.Abs(Polygon.Area(area.Points)) < 1)
                problems.Add($"{at}: the polygon has no area (its points are on one line).");
        }
        return problems;
    }
}
