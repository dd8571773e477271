using System.Text;
using Confluent.Kafka;

namespace UniHCP.Pipeline.Transport.Kafka;

/// <summary>The message headers of our topics.</summary>
internal static class WireHeaders
{
    public const string Schema = "unihcp-schema";
    public const string Kind = "unihcp-kind";          // "event", "notice" or "complete"
    public const string Run = "unihcp-run";            // on "complete": the run whose publisher completed
    public const string Error = "unihcp-error";        // on "complete" from a failed publisher; on dead letters: the reason
    public const string TraceParent = "traceparent";   // W3C trace context of the publishing activity, when there is one

    public static string? Get(Headers? headers, string key) =>
        headers is not null && headers.TryGetLastBytes(key, out byte[] value) ? Encoding.UTF8.GetString(value) : null;

    public static void Set(Headers headers, string key, string value) => headers.Add(key, Encoding.UTF8.GetBytes(value));
}
