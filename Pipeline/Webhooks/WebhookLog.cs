using Microsoft.Extensions.Logging;

namespace UniHCP.Pipeline.Hosting.Webhooks;

/// <summary>Webhook delivery log messages, source-generated (event ids 6100-6199).</summary>
internal static partial class WebhookLog
{
    [LoggerMessage(6100, LogLevel.Warning, "Webhook {Url}: event {Seq} not delivered (attempt {Attempt}: {Reason}); retrying in {Pause}")]
    public static partial void Retrying(ILogger logger, string url, long seq, int attempt, string reason, TimeSpan pause);

    [LoggerMessage(6101, LogLevel.Error, "Webhook {Url} refused event {Seq} ({Reason}); it is in the dead letters and delivery moves on")]
    public static partial void Refused(ILogger logger, string url, long seq, string reason);
}
