namespace UniHCP.Pipeline.Tracking.CrossCamera;

/// <summary>One person across cameras: an appearance summary and where and when they were seen.</summary>
internal sealed class Identity(long id)
{
    private readonly Dictionary<string, Sighting> _cameras = new(StringComparer.Ordinal);
    private float[]? _sum;

    public long Id { get; } = id;

    public DateTimeOffset LastSeen { get; private set; }

    public bool AnyActive => _cameras.Values.Any(s => s.ActiveTracks.Count > 0);

    public bool ActiveOn(string camera) => _cameras.TryGetValue(camera, out var s) && s.ActiveTracks.Count > 0;

    public bool SharesCameraWith(Identity other) => _cameras.Keys.Any(c => ActiveOn(c) && other.ActiveOn(c));

    public IEnumerable<(string Camera, DateTimeOffset LastSeen, bool Active)> Sightings() =>
        _cameras.Select(p => (p.Key, p.Value.LastSeen, p.Value.ActiveTracks.Count > 0));

    public void Seen(string camera, long track, ReadOnlySpan<float> embedding, DateTimeOffset time)
    {
        if (!_cameras.TryGetValue(camera, out var sighting))
            _cameras[camera] = sighting = new Sighting();
        sighting.ActiveTracks.Add(track);
        if (time > sighting.LastSeen)
            sighting.LastSeen = time;
        if (time > LastSeen)
            LastSeen = time;
        // The summary is the running sum of normalised appearances (its direction is their mean).
        _sum ??= new float[embedding.Length];
        if (_sum.Length == embedding.Length)
        {
            for (int i = 0; i < embedding.Length; i++)
                _sum[i] += embedding[i];
        }
    }

    public void Ended(string camera, long track)
    {
        if (_cameras.TryGetValue(camera, out var sighting))
            sighting.ActiveTracks.Remove(track);
    }

    /// <summary>Cosine similarity of an appearance to this identity's.</summary>
    public double Similarity(ReadOnlySpan<float> embedding)
    {
        if (_sum is null || _sum.Length != embedding.Length)
            return -1;
        double dot = 0, a = 0, b = 0;
        for (int i = 0; i < embedding.Length; i++)
        {
            dot += _sum[i] * (double)embedding[i];
            a += _sum[i] * (double)_sum[i];
            b += embedding[i] * (double)embedding[i];
        }
        return a > 0 && b > 0 ? dot / Math.Sqrt(a * b) : -1;
    }

    public void Absorb(Identity other)
    {
        foreach (var (camera, sighting) in other._cameras)
        {
            if (!_cameras.TryGetValue(camera, out var mine))
                _cameras[camera] = mine = new Sighting();
            mine.ActiveTracks.UnionWith(sighting.ActiveTracks);
            if (sighting.LastSeen > mine.LastSeen)
                mine.LastSeen = sighting.LastSeen;
        }
        if (other._sum is not null && _sum is not null && other._sum.Length == _sum.Length)
        {
            for (int i = 0; i < _sum.Length; i++)
                _sum[i] += other._sum[i];
        }
        if (other.LastSeen > LastSeen)
            LastSeen = other.LastSeen;
    }

    private sealed class Sighting
    {
        public HashSet<long> ActiveTracks { get; } = [];

        public DateTimeOffset LastSeen { get; set; }
    }
}
