namespace UniHCP.Pipeline.Ingest.Configuration;

/// <summary>The "Ingest" configuration section.</summary>
public sealed class IngestOptions
{
    public const string SectionName = "Ingest";

    public List<CameraOptions> Cameras { get; set; } = [];

    /// <summary>Folder holding the ffmpeg and ffprobe binaries; null or empty uses PATH.</summary>
    public string? FfmpegFolder { get; set; }
}
