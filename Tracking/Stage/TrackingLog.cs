using Microsoft.Extensions.Logging;

namespace UniHCP.Pipeline.Tracking.Stage;

/// <summary>The tracking stage's log messages, source-generated, with stable event ids (3000-3099).</summary>
internal static partial class TrackingLog
{
    [LoggerMessage(3000, LogLevel.Debug, "Frame {Sequence} of camera '{CameraId}' is not newer than the last one; skipped")]
    public static partial void NotNewer(ILogger logger, long sequence, string cameraId);

    [LoggerMessage(3001, LogLevel.Information, "Identities: thresholds learned from {Pairs} pairs of people seen together: a track joins an identity at cosine {Join:F3}, merges at {Merge:F3}; identities are given from now on, and were given to the {Waiting} tracks that had waited for them")]
    public static partial void ThresholdsLearned(ILogger logger, int pairs, double join, double merge, long waiting);

    [LoggerMessage(3005, LogLevel.Warning, "Identities: every camera's input ended before {Needed} pairs of people were seen together; thresholds learned from the {Pairs} there were (rougher): a track joins an identity at cosine {Join:F3}, merges at {Merge:F3}; given to the {Waiting} tracks that had waited")]
    public static partial void ThresholdsLearnedAtEnd(ILogger logger, int pairs, int needed, double join, double merge, long waiting);

    [LoggerMessage(3006, LogLevel.Warning, "Identities: every camera's input ended after only {Pairs} pairs of people seen together ({Needed} are needed to learn the thresholds, Tracking:Identities:EndOfInputPairs): no identities were given")]
    public static partial void TooFewPairs(ILogger logger, int pairs, int needed);

    [LoggerMessage(3007, LogLevel.Information, "Identities: camera '{CameraId}' starts with {Pairs} pairs of people seen together, remembered from earlier runs of weights '{Version}' ({Total} in all now; {Needed} give the thresholds)")]
    public static partial void PairsRemembered(ILogger logger, string cameraId, int pairs, string version, int total, int needed);

    [LoggerMessage(3008, LogLevel.Warning, "Identities: the pairs remembered for camera '{CameraId}' and weights '{Version}' are not used: {Reason}")]
    public static partial void RememberedPairsUnusable(ILogger logger, string cameraId, string version, string reason);

    [LoggerMessage(3009, LogLevel.Warning, "Identities: could not {Action} the remembered pairs of camera '{CameraId}' (the run goes on; thresholds are learned from this run's pairs)")]
    public static partial void PairMemoryFailed(ILogger logger, Exception exception, string action, string cameraId);

    [LoggerMessage(3002, LogLevel.Information, "Events: camera '{CameraId}' resumes from its checkpoint at frame {Frame} (geometry version {Version})")]
    public static partial void EventsResumed(ILogger logger, string cameraId, long frame, int version);

    [LoggerMessage(3003, LogLevel.Warning, "Events: camera '{CameraId}' has geometry version {Version} now, its checkpoint was made with version {Old}: its tracks start outside every zone again")]
    public static partial void EventsGeometryChanged(ILogger logger, string cameraId, int version, int old);
}
