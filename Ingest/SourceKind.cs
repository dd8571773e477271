namespace UniHCP.Pipeline.Ingest;

/// <summary>How a camera's frames are obtained.</summary>
public enum SourceKind
{
    /// <summary>A local video file.</summary>
    File = 0,

    /// <summary>rtsp:// or rtsps:// (pulled from a camera, or pushed to us in listen mode).</summary>
    Rtsp = 1,

    /// <summary>http:// or https://: a progressive stream (MPEG-TS, MJPEG, ...) or an HLS playlist.</summary>
    Http = 2,
}
