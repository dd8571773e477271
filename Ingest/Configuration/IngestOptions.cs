namespace UniHCP.Pipeline.Ingest.Configuration;

/// <summary>The "Ingest" configuration section.</summary>
public sealed class IngestOptions
{
    public const string SectionName = "Ingest";

    public List<CameraOptions> Cameras { get; set; } = [];

    /// <summary>The camera a command reads when none is configured and none is given on its command line, as
    /// "ID=LOCATION" or "LOCATION"; null: none, and such a command says how to give one. infra/setup.sh sets the sample
    /// video here for the development machine (UNIHCP_Ingest__DefaultSource in .local/env).</summary>
    public string? DefaultSource { get; set; }

    /// <summary>Folder holding the ffmpeg and ffprobe binaries; null or empty uses PATH.</summary>
    public string? FfmpegFolder { get; set; }
}
