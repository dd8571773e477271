namespace UniHCP.Pipeline.Ingest;

/// <summary>What one camera's ingest did.</summary>
/// <param name="CameraId">The camera.</param>
/// <param name="Location">Where it read from (credentials masked).</param>
/// <param name="Status">How it ended.</param>
/// <param name="Frames">Frames published.</param>
/// <param name="Width">Width of the last frame (0 when none).</param>
/// <param name="Height">Height of the last frame (0 when none).</param>
/// <param name="Connections">Times the source was opened and delivered frames (live sources reconnect).</param>
/// <param name="Elapsed">Wall time from start to end.</param>
/// <param name="Message">The failure reason, or other detail worth showing.</param>
/// <param name="SourceFrameRate">A file's own frame rate (its frames over this many per second are its duration); null
/// for a live source or a file that delivered no frame.</param>
public sealed record CameraIngestReport(
    string CameraId,
    string Location,
    CameraIngestStatus Status,
    long Frames,
    int Width,
    int Height,
    int Connections,
    TimeSpan Elapsed,
    string? Message,
    double? SourceFrameRate = null)
{
    /// <summary>Frames per second over the whole run.</summary>
    public double FramesPerSecond => Elapsed > TimeSpan.Zero ? Frames / Elapsed.TotalSeconds : 0;
}
