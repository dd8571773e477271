using Microsoft.Extensions.Logging;

namespace UniHCP.Pipeline.Inference.Stage;

/// <summary>The inference stage's log messages, source-generated, with stable event ids (2000-2099).</summary>
internal static partial class InferenceLog
{
    [LoggerMessage(2000, LogLevel.Information, "Weights {Old} replaced by {New}")]
    public static partial void Swapped(ILogger logger, string old, string @new);

    [LoggerMessage(2001, LogLevel.Warning, "A batch of {Count} frames failed; retrying them one by one")]
    public static partial void BatchFailed(ILogger logger, Exception error, int count);

    [LoggerMessage(2002, LogLevel.Warning, "Frame {Sequence} of camera '{CameraId}' was not analysed: {Reason}")]
    public static partial void Rejected(ILogger logger, long sequence, string cameraId, string reason);

    [LoggerMessage(2004, LogLevel.Information, "Model lanes: {Lanes} of {Threads} libtorch thread(s) each")]
    public static partial void Lanes(ILogger logger, int lanes, int threads);

    [LoggerMessage(2005, LogLevel.Warning, "TorchSharp's frees are not guarded ({Problem}): a garbage collection can free a Scalar or tensor while libtorch reads it, failing a batch now and then")]
    public static partial void FreeGuardMissing(ILogger logger, string problem);

    [LoggerMessage(2003, LogLevel.Warning, "The snapshot of camera '{CameraId}' was not stored: {Reason}")]
    public static partial void SnapshotFailed(ILogger logger, string cameraId, string reason);
}
