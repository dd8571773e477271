using Microsoft.Extensions.Logging;

namespace UniHCP.Pipeline.Store.Stage;

/// <summary>The store stage's log messages, source-generated, with stable event ids (4000-4099).</summary>
internal static partial class StoreLog
{
    [LoggerMessage(4000, LogLevel.Warning, "Writing {What} failed ({Reason}); retrying in {Seconds:0.0} s")]
    public static partial void Retrying(ILogger logger, string what, string reason, double seconds);

    [LoggerMessage(4001, LogLevel.Warning, "Writing {What} was refused ({Reason}); writing them one by one")]
    public static partial void OneByOne(ILogger logger, string what, string reason);

    [LoggerMessage(4002, LogLevel.Error, "A {Type} of camera '{CameraId}' was refused by the database and kept in dead_letters: {Reason}")]
    public static partial void DeadLetter(ILogger logger, string type, string cameraId, string reason);

    [LoggerMessage(4003, LogLevel.Warning, "Indexing track embeddings failed ({Reason}); retrying in {Seconds:0.0} s (pending tracks stay searchable exactly)")]
    public static partial void IndexingFailed(ILogger logger, string reason, double seconds);

    [LoggerMessage(4004, LogLevel.Information, "Built {Count} per-camera similarity index(es)")]
    public static partial void CameraIndexesBuilt(ILogger logger, int count);

    [LoggerMessage(4005, LogLevel.Warning, "Building per-camera similarity indexes failed ({Reason}); searches over those cameras use the shared index until the next try")]
    public static partial void CameraIndexesFailed(ILogger logger, string reason);
}
