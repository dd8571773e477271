namespace UniHCP.Pipeline.Ingest.Configuration;

/// <summary>One camera as configured (appsettings.json "Ingest:Cameras", environment or command line).</summary>
public sealed class CameraOptions
{
    /// <summary>Camera id: 1-64 letters, digits, '.', '_' or '-'. Required.</summary>
    public string? Id { get; set; }

    /// <summary>A file path, an rtsp:// URL, or an http(s):// URL (progressive stream or HLS .m3u8). Required.</summary>
    public string? Source { get; set; }

    /// <summary>Frames per second to sample; null keeps every frame of the source.</summary>
    public double? FrameRate { get; set; }

    /// <summary>Output width in pixels; null keeps the source's. With only one of width and height
    /// set, the other follows the source's aspect ratio.</summary>
    public int? Width { get; set; }

    /// <summary>Output height in pixels; null keeps the source's (see <see cref="Width"/>).</summary>
    public int? Height { get; set; }

    public ScaleAlgorithm Scaler { get; set; } = ScaleAlgorithm.Area;

    /// <summary>Whether the source is live (wall-clock timestamps, drop-oldest under load, reconnects).
    /// Null infers it: rtsp and http(s) are live, files are not.</summary>
    public bool? Live { get; set; }

    /// <summary>For rtsp:// sources: accept a stream pushed to us (FFmpeg's RTSP listen mode) instead
    /// of pulling from a camera. Requires <see cref="Width"/> and <see cref="Height"/>.</summary>
    public bool Listen { get; set; }

    public RtspTransport RtspTransport { get; set; } = RtspTransport.Tcp;

    /// <summary>For files: the wall-clock time of the first frame. Null uses the file's creation_time
    /// tag when present, else the time ingest started.</summary>
    public DateTimeOffset? StartTime { get; set; }

    /// <summary>Live sources: longest wait for the first frame after (re)connecting. Default 15 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Live sources: longest gap between frames before the source counts as lost. Default 10 s.</summary>
    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public ReconnectOptions Reconnect { get; set; } = new();
}
