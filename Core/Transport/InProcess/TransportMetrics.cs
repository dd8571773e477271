using System.Diagnostics.Metrics;

namespace UniHCP.Pipeline.Core.Transport.InProcess;

/// <summary>Transport counters (meter "UniHCP.Pipeline.Transport"), created from the host's IMeterFactory; a transport
/// built without one gets a meter of its own.</summary>
public sealed class TransportMetrics
{
    public const string MeterName = "UniHCP.Pipeline.Transport";

    public TransportMetrics(IMeterFactory? meters)
    {
        var meter = meters?.Create(MeterName) ?? new Meter(MeterName);
        Published = meter.CreateCounter<long>("unihcp.transport.published", unit: "{message}", description: "Messages accepted by a topic.");
        Dropped = meter.CreateCounter<long>("unihcp.transport.dropped", unit: "{message}", description: "Events discarded to make room (drop-oldest policy).");
    }

    internal Counter<long> Published { get; }

    internal Counter<long> Dropped { get; }
}
