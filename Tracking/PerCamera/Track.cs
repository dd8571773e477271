using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Tracking.Motion;

namespace UniHCP.Pipeline.Tracking.PerCamera;

/// <summary>One tracked person on one camera: motion state, appearance memory and life cycle.</summary>
public sealed class Track : CrossCamera.ITrackAppearance
{
    private float[]? _embedding;

    internal Track(long id, TrackerDetection detection, DateTimeOffset time, bool confirmed)
    {
        Id = id;
        Filter = new KalmanBoxFilter(detection.Box);
        Status = confirmed ? TrackStatus.Confirmed : TrackStatus.Tentative;
        Hits = 1;
        FirstSeen = time;
        LastSeen = time;
        LastBox = detection.Box;
        LastScore = detection.Score;
        LastDetectionIndex = detection.Index;
        if (!detection.Embedding.IsEmpty)
            _embedding = AppearanceMemory.Normalized(detection.Embedding.Span);
    }

    private Track(Track other)
    {
        Id = other.Id;
        Filter = other.Filter.Copy();
        Status = other.Status;
        Hits = other.Hits;
        FirstSeen = other.FirstSeen;
        LastSeen = other.LastSeen;
        LastBox = other.LastBox;
        LastScore = other.LastScore;
        LastDetectionIndex = other.LastDetectionIndex;
        _embedding = other._embedding?.ToArray(); // blending writes into the memory: the copy needs its own
    }

    public long Id { get; }

    public TrackStatus Status { get; internal set; }

    internal KalmanBoxFilter Filter { get; }

    public int Hits { get; private set; }

    public DateTimeOffset FirstSeen { get; }

    /// <summary>When a detection last matched the track.</summary>
    public DateTimeOffset LastSeen { get; private set; }

    public BoundingBox LastBox { get; private set; }

    public float LastScore { get; private set; }

    /// <summary>The matched detection of the latest frame, or null when it was not matched.</summary>
    public int? LastDetectionIndex { get; internal set; }

    /// <summary>Appearance memory: an exponential moving average of the matched embeddings, L2-normalised; null without ReID.</summary>
    public ReadOnlyMemory<float> Embedding => _embedding;

    public bool HasEmbedding => _embedding is not null;

    /// <summary>The box the track reports now: the filter's estimate.</summary>
    public BoundingBox Box => Filter.Box;

    internal Track Copy() => new(this);

    internal void Matched(TrackerDetection detection, DateTimeOffset time, double momentum)
    {
        Filter.Update(detection.Box);
        Hits++;
        LastSeen = time;
        LastBox = detection.Box;
        LastScore = detection.Score;
        LastDetectionIndex = detection.Index;
        if (!detection.Embedding.IsEmpty)
            _embedding = AppearanceMemory.Blend(_embedding, detection.Embedding.Span, momentum);
    }
}
