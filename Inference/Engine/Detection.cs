using UniHCP.Pipeline.Core.Events;

namespace UniHCP.Pipeline.Inference.Engine;

/// <summary>A detected person: box in source-frame pixels and score in [0, 1].</summary>
public readonly record struct Detection(BoundingBox Box, float Score);
