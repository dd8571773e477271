using Microsoft.Extensions.Logging;

namespace UniHCP.Pipeline.Hosting;

/// <summary>The pipeline host's log messages, source-generated, with stable event ids (6000-6099).</summary>
internal static partial class HostingLog
{
    [LoggerMessage(6000, LogLevel.Information, "Stage {Stage} completed: its input ended and everything was handed on")]
    public static partial void StageCompleted(ILogger logger, string stage);

    [LoggerMessage(6001, LogLevel.Information, "Stage {Stage} stopped; what it acknowledged is kept")]
    public static partial void StageStopped(ILogger logger, string stage);

    [LoggerMessage(6002, LogLevel.Error, "Stage {Stage} failed: {Reason}")]
    public static partial void StageFailed(ILogger logger, string stage, string reason, Exception exception);

    [LoggerMessage(6003, LogLevel.Warning, "Topics not created ({Reason}); using the existing ones")]
    public static partial void TopicsNotCreated(ILogger logger, string reason);

    [LoggerMessage(6004, LogLevel.Information, "Weights {Version} ({Path}): tasks {Tasks}; detection input short side {ShortSide}")]
    public static partial void EngineReady(ILogger logger, string version, string path, string tasks, int shortSide);

    [LoggerMessage(6005, LogLevel.Warning, "Model registry: weights {Version} not registered: {Reason}")]
    public static partial void NotRegistered(ILogger logger, string version, string reason);

    [LoggerMessage(6006, LogLevel.Information, "Store schema: applied {Migrations}")]
    public static partial void Migrated(ILogger logger, string migrations);

    [LoggerMessage(6007, LogLevel.Information, "Ignore areas: camera '{Camera}' now has {Count} (version {Version}, from {Source})")]
    public static partial void IgnoreAreasInForce(ILogger logger, string camera, int count, int version, string source);

    [LoggerMessage(6008, LogLevel.Warning, "Ignore areas: {Problem}; the camera runs without them until it is fixed")]
    public static partial void IgnoreAreasUnreadable(ILogger logger, string problem);

    [LoggerMessage(6009, LogLevel.Warning, "Ignore areas: the store could not be read ({Reason}); the areas read before stay in force")]
    public static partial void IgnoreAreasNotRead(ILogger logger, string reason);
}
