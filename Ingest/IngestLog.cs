using Microsoft.Extensions.Logging;

namespace UniHCP.Pipeline.Ingest;

/// <summary>Ingest's log messages, source-generated, with stable event ids (1000-1099).</summary>
internal static partial class IngestLog
{
    [LoggerMessage(1000, LogLevel.Information, "Camera {CameraId}: opened {Location}: {Description}")]
    public static partial void Opened(ILogger logger, string cameraId, string location, string description);

    [LoggerMessage(1001, LogLevel.Information, "Camera {CameraId}: end of stream after {Frames} frames")]
    public static partial void EndOfStream(ILogger logger, string cameraId, long frames);

    [LoggerMessage(1002, LogLevel.Error, "Camera {CameraId}: failed after {Frames} frames: {Reason}")]
    public static partial void Failed(ILogger logger, string cameraId, long frames, string reason);

    [LoggerMessage(1003, LogLevel.Warning, "Camera {CameraId}: source lost ({Reason}); reconnect attempt {Attempt} in {Delay}")]
    public static partial void Disconnected(ILogger logger, string cameraId, string reason, int attempt, TimeSpan delay);

    [LoggerMessage(1004, LogLevel.Information, "Camera {CameraId}: connected to {Location}; frames continue at sequence {Sequence}")]
    public static partial void Connected(ILogger logger, string cameraId, string location, long sequence);

    [LoggerMessage(1005, LogLevel.Information, "Camera {CameraId}: stopped after {Frames} frames")]
    public static partial void Stopped(ILogger logger, string cameraId, long frames);
}
