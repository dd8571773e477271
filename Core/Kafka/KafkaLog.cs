using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace UniHCP.Pipeline.Transport.Kafka;

/// <summary>The Kafka transport's log messages, source-generated, with stable event ids (1100-1199): client errors and
/// logs, rebalances, dead letters and commit failures, none of which may pass silently.</summary>
internal static partial class KafkaLog
{
    [LoggerMessage(1100, LogLevel.Warning, "Kafka {Client} error {Code}: {Reason} (fatal: {Fatal})")]
    public static partial void ClientError(ILogger logger, string client, ErrorCode code, string reason, bool fatal);

    [LoggerMessage(1101, LogLevel.Debug, "Kafka {Client} [{Facility}] {Message}")]
    public static partial void ClientLog(ILogger logger, string client, string facility, string message);

    [LoggerMessage(1102, LogLevel.Information, "Group {Group} on {Topic}: partitions assigned {Partitions}")]
    public static partial void Assigned(ILogger logger, string group, string topic, string partitions);

    [LoggerMessage(1103, LogLevel.Information, "Group {Group} on {Topic}: partitions revoked {Partitions}")]
    public static partial void Revoked(ILogger logger, string group, string topic, string partitions);

    [LoggerMessage(1104, LogLevel.Warning, "Dead letter from {Source} (key '{Key}') to {DeadLetterTopic}: {Reason}")]
    public static partial void DeadLetter(ILogger logger, string source, string key, string deadLetterTopic, string reason);

    [LoggerMessage(1105, LogLevel.Warning, "Group {Group} on {Topic}: commit failed: {Reason}")]
    public static partial void CommitFailed(ILogger logger, string group, string topic, string reason);

    [LoggerMessage(1106, LogLevel.Warning, "Topic {Topic}: the publisher's completion markers were not written: {Reason}")]
    public static partial void CompleteFailed(ILogger logger, string topic, string reason);

    /// <summary>A client's error, through the throttle: repeats of the same kind from the same client within its window
    /// are counted and reported with the next one logged.</summary>
    public static void Error(ILogger logger, ErrorThrottle throttle, string client, ErrorCode code, string reason, bool fatal, string? kind = null)
    {
        int suppressed = 0;
        if (!fatal && !throttle.Admit(client, kind ?? code.ToString(), out suppressed))
            return;
        ClientError(logger, client, code, suppressed > 0 ? $"{reason} ({suppressed} more like it not logged)" : reason, fatal);
    }

    public static void Log(ILogger logger, ErrorThrottle throttle, LogMessage message)
    {
        // librdkafka's own levels (syslog): 0-3 errors, 4 warnings, 5-6 notices and info, 7 debug.
        if (message.Level <= SyslogLevel.Warning)
            Error(logger, throttle, message.Name, ErrorCode.Unknown, $"[{message.Facility}] {message.Message}", fatal: false, kind: "log:" + message.Facility);
        else
            ClientLog(logger, message.Name, message.Facility, message.Message);
    }
}
