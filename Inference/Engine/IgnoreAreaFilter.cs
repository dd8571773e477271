using UniHCP.Pipeline.Core.Geometry;

namespace UniHCP.Pipeline.Inference.Engine;

/// <summary>
/// Drops the detections whose foot point (the bottom centre of the box, where the person stands) lies inside one of
/// their camera's <see cref="IgnoreArea"/>s, before anything else sees them: the tracker, the person tasks, the store.
/// The foot rather than the whole box, so that a person walking in front of a masked sign is still found unless they
/// stand on it. Thread-safe (the model lanes share it).
/// </summary>
public sealed class IgnoreAreaFilter
{
    private Dictionary<string, IReadOnlyList<IgnoreArea>> _areas;
    private long _dropped;

    /// <param name="areas">Areas by camera id (validated: <see cref="IgnoreArea.Problems"/>).</param>
    public IgnoreAreaFilter(IReadOnlyDictionary<string, IReadOnlyList<IgnoreArea>> areas)
    {
        ArgumentNullException.ThrowIfNull(areas);
        _areas = new Dictionary<string, IReadOnlyList<IgnoreArea>>(areas, StringComparer.Ordinal);
    }

    /// <summary>Every camera's areas replaced at once (a frame sees the old set or the new one, never a mix).</summary>
    public void Replace(IReadOnlyDictionary<string, IReadOnlyList<IgnoreArea>> areas)
    {
        ArgumentNullException.ThrowIfNull(areas);
        Volatile.Write(ref _areas, new Dictionary<string, IReadOnlyList<IgnoreArea>>(areas, StringComparer.Ordinal));
    }

    /// <summary>Detections dropped so far.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>The detections of one frame of <paramref name="cameraId"/> that are not in its ignore areas, in their order.</summary>
    public IReadOnlyList<Detection> Keep(string cameraId, IReadOnlyList<Detection> detections)
    {
        ArgumentNullException.ThrowIfNull(detections);
        if (detections.Count == 0 || !Volatile.Read(ref _areas).TryGetValue(cameraId, out var areas) || areas.Count == 0)
            return detections;
        var kept = detections.Where(d => !areas.Any(a => Polygon.Contains(a.Points, Foot(d)))).ToList();
        Interlocked.Add(ref _dropped, detections.Count - kept.Count);
        return kept;
    }

    private static PixelPoint Foot(Detection d) => new((d.Box.X1 + d.Box.X2) / 2.0, d.Box.Y2);
}
