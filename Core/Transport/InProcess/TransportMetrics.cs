using System.Diagnostics.Metrics;

namespace UniHCP.Pipeline.Core.Transport.InProcess;

/// <summary>Transport counters, exported through System.Diagnostics.Metrics (OpenTelemetry picks them up by meter name).</summary>
internal static class TransportMetrics
{
    public const string MeterName = "UniHCP.Pipeline.Transport";

    private static readonly Meter s_meter = new(MeterName);

    public static readonly Counter<long> Published = s_meter.CreateCounter<long>(
        "unihcp.transport.published", unit: "{message}", description: "Messages accepted by a topic.");

    public static readonly Counter<long> Dropped = s_meter.CreateCounter<long>(
        "unihcp.transport.dropped", unit: "{message}", description: "Events discarded to make room (drop-oldest policy).");
}
