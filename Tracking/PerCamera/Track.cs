using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Tracking.Motion;

namespace UniHCP.Pipeline.Tracking.PerCamera;

/// <summary>One tracked person on one camera: motion state, appearance memory and life cycle.</summary>
public sealed class Track : CrossCamera.ITrackAppearance
{
    // Observations of the last few frames (frame, box), newest last: the direction of motion is measured
    // over several frames, as one frame's displacement is mostly detector jitter.
    private const int HistoryLength = 4;
    private readonly (long Frame, BoundingBox Box)[] _history = new (long, BoundingBox)[HistoryLength];
    private int _historyCount;
    private float[]? _embedding;

    internal Track(long id, TrackerDetection detection, DateTimeOffset time, bool confirmed, long frame = 0)
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
        LastFrame = frame;
        Remember(frame, detection.Box);
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
        LastFrame = other.LastFrame;
        Direction = other.Direction;
        Array.Copy(other._history, _history, HistoryLength);
        _historyCount = other._historyCount;
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

    /// <summary>The tracker's frame number of the latest match.</summary>
    internal long LastFrame { get; private set; }

    /// <summary>Unit direction of the observed motion (centre to centre over up to <c>DirectionFrames</c>
    /// frames), or null before a second observation.</summary>
    internal (double X, double Y)? Direction { get; private set; }

    /// <summary>Appearance memory: an exponential moving average of the matched embeddings, L2-normalised; null without ReID.</summary>
    public ReadOnlyMemory<float> Embedding => _embedding;

    public bool HasEmbedding => _embedding is not null;

    /// <summary>The box the track reports now: the filter's estimate.</summary>
    public BoundingBox Box => Filter.Box;

    internal Track Copy() => new(this);

    /// <summary>The observation to measure a new direction from, at <paramref name="frame"/>: the one
    /// <paramref name="span"/> frames back, else 2, ..., 1 back, else the latest (as OC-SORT does).</summary>
    internal BoundingBox ReferenceBox(long frame, int span)
    {
        for (int dt = span; dt >= 1; dt--)
        {
            for (int i = 0; i < _historyCount; i++)
            {
                if (_history[i].Frame == frame - dt)
                    return _history[i].Box;
            }
        }
        return LastBox;
    }

    internal void Matched(TrackerDetection detection, DateTimeOffset time, double momentum, long frame = 0, bool reupdate = false, int directionFrames = 3, double interval = 1)
    {
        long gap = frame - LastFrame;
        if (reupdate && gap > 1)
            Filter.Reupdate(LastBox, detection.Box, (int)Math.Min(gap, int.MaxValue), interval);
        else
            Filter.Update(detection.Box);
        var reference = ReferenceBox(frame, directionFrames);
        double dx = Cx(detection.Box) - Cx(reference), dy = Cy(detection.Box) - Cy(reference);
        double norm = Math.Sqrt((dx * dx) + (dy * dy));
        if (norm > 1e-6 && gap > 0)
            Direction = (dx / norm, dy / norm);
        LastFrame = frame;
        Remember(frame, detection.Box);
        Hits++;
        LastSeen = time;
        LastBox = detection.Box;
        LastScore = detection.Score;
        LastDetectionIndex = detection.Index;
        if (!detection.Embedding.IsEmpty)
            _embedding = AppearanceMemory.Blend(_embedding, detection.Embedding.Span, momentum);
    }

    internal static double Cx(BoundingBox box) => (box.X1 + box.X2) / 2.0;

    internal static double Cy(BoundingBox box) => (box.Y1 + box.Y2) / 2.0;

    private void Remember(long frame, BoundingBox box)
    {
        if (_historyCount == HistoryLength)
        {
            Array.Copy(_history, 1, _history, 0, HistoryLength - 1);
            _historyCount--;
        }
        _history[_historyCount++] = (frame, box);
    }
}
