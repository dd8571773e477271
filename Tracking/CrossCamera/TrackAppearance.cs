using UniHCP.Pipeline.Core.Events;

namespace UniHCP.Pipeline.Tracking.CrossCamera;

/// <summary>
/// A camera's track as the identities stage sees it, rebuilt from the track updates it reads: status, matched
/// frames and an exponential moving average of the matched observations' embeddings (the tracker keeps the same
/// average with the same default momentum). Track updates report tracks from their confirmation on, so
/// <see cref="Hits"/> counts matches from then.
/// </summary>
public sealed class TrackAppearance(long id, DateTimeOffset firstSeen) : ITrackAppearance
{
    private float[]? _embedding;

    public long Id { get; } = id;

    public TrackStatus Status { get; private set; } = TrackStatus.Confirmed;

    public int Hits { get; private set; }

    public DateTimeOffset FirstSeen { get; } = firstSeen;

    public int? LastDetectionIndex { get; private set; }

    public ReadOnlyMemory<float> Embedding => _embedding;

    public bool HasEmbedding => _embedding is not null;

    /// <summary>Takes the track's state in one update and, when it was matched, the matched observation.</summary>
    public void Update(TrackState state, PersonObservation? matched, double momentum)
    {
        Status = state.Status;
        LastDetectionIndex = matched is null ? null : state.DetectionIndex;
        if (matched is null)
            return;
        Hits++;
        if (!matched.Embedding.IsEmpty)
            _embedding = AppearanceMemory.Blend(_embedding, matched.Embedding.Span, momentum);
    }
}
