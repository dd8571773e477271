using UniHCP.Pipeline.Core.Events;

namespace UniHCP.Pipeline.Tracking.PerCamera;

/// <summary>A detection handed to the tracker: its index in the frame, box, score, and ReID embedding (empty: motion only).</summary>
public readonly record struct TrackerDetection(int Index, BoundingBox Box, float Score, ReadOnlyMemory<float> Embedding = default);
