namespace UniHCP.Pipeline.Inference.Stage;

/// <summary>The "Inference" configuration section's stage settings (the model's own are <see cref="Engine.PerceptionOptions"/>).</summary>
public sealed record InferenceStageOptions
{
    /// <summary>Frames (from any cameras) run through the model together. Default 4.</summary>
    public int BatchFrames { get; init; } = 4;

    /// <summary>Analyse every Nth frame of each camera (1: every frame); the tracker's motion model carries the
    /// frames between. Default 1.</summary>
    public int DetectionStride { get; init; } = 1;

    /// <summary>Height in pixels of the JPEG crop attached to each observation; 0 for none. Default 96.</summary>
    public int ThumbnailHeight { get; init; } = 96;

    public void Validate()
    {
        var problems = new List<string>();
        if (BatchFrames is < 1 or > 64)
            problems.Add($"BatchFrames must be 1-64 (got {BatchFrames}).");
        if (DetectionStride is < 1 or > 1000)
            problems.Add($"DetectionStride must be 1-1000 (got {DetectionStride}).");
        if (ThumbnailHeight is < 0 or > 512)
            problems.Add($"ThumbnailHeight must be 0-512 (got {ThumbnailHeight}).");
        if (problems.Count > 0)
            throw new ArgumentException("Inference: " + string.Join(" ", problems));
    }
}
