using UniHCP.Pipeline.Core.Events;

namespace UniHCP.Pipeline.Tracking.CrossCamera;

/// <summary>What the identity service needs of a camera's track: its life cycle and its appearance memory. A
/// tracker's own <see cref="PerCamera.Track"/> is one; the identities stage rebuilds them from track updates.</summary>
public interface ITrackAppearance
{
    long Id { get; }

    TrackStatus Status { get; }

    /// <summary>Detections matched to the track so far.</summary>
    int Hits { get; }

    DateTimeOffset FirstSeen { get; }

    /// <summary>The matched detection of the latest frame, or null when the track was not matched in it.</summary>
    int? LastDetectionIndex { get; }

    /// <summary>An L2-normalised running average of the matched embeddings; empty without ReID.</summary>
    ReadOnlyMemory<float> Embedding { get; }

    bool HasEmbedding { get; }
}
