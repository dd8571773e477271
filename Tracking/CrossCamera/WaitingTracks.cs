namespace UniHCP.Pipeline.Tracking.CrossCamera;

/// <summary>
/// Tracks that settled while the identity thresholds were still being learned: each one's start, latest sighting and
/// latest appearance, and whether it has ended. Bounded: past the capacity the longest-ended are let go (they stay
/// without an identity), so that a camera that never shows two people together cannot grow it without end.
/// </summary>
internal sealed class WaitingTracks(int capacity = 2000)
{
    private readonly Dictionary<(string Camera, long Track), WaitingTrack> _tracks = [];
    private readonly Queue<(string Camera, long Track)> _ended = new();

    public int Count => _tracks.Count;

    /// <summary>Takes the settled tracks of one camera's frame: their latest appearance and sighting.</summary>
    public void Remember(string camera, DateTimeOffset time, IEnumerable<ITrackAppearance> settled)
    {
        foreach (var track in settled)
        {
            if (!_tracks.TryGetValue((camera, track.Id), out var waiting) || waiting.Embedding.Length != track.Embedding.Length)
                _tracks[(camera, track.Id)] = waiting = new WaitingTrack(camera, track.Id, track.FirstSeen, new float[track.Embedding.Length]);
            track.Embedding.Span.CopyTo(waiting.Embedding);
            waiting.LastSeen = time;
        }
    }

    public void Ended(string camera, long track)
    {
        if (!_tracks.TryGetValue((camera, track), out var waiting) || waiting.Ended)
            return;
        waiting.Ended = true;
        _ended.Enqueue((camera, track));
        while (_ended.Count > capacity)
            _tracks.Remove(_ended.Dequeue());
    }

    /// <summary>The waiting tracks, earliest start first (ties in camera and track order, so every run links alike).</summary>
    public List<WaitingTrack> InOrderOfStart() =>
        [.. _tracks.Values.OrderBy(t => t.FirstSeen).ThenBy(t => t.Camera, StringComparer.Ordinal).ThenBy(t => t.Track)];

    public void Clear()
    {
        _tracks.Clear();
        _ended.Clear();
    }
}

/// <summary>One waiting track: where and when it began, its latest sighting and appearance.</summary>
internal sealed class WaitingTrack(string camera, long track, DateTimeOffset firstSeen, float[] embedding)
{
    public string Camera { get; } = camera;

    public long Track { get; } = track;

    public DateTimeOffset FirstSeen { get; } = firstSeen;

    public DateTimeOffset LastSeen { get; set; }

    public float[] Embedding { get; } = embedding;

    public bool Ended { get; set; }
}
