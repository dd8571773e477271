using System.Diagnostics.Metrics;
using UniHCP.Pipeline.Core.Transport.InProcess;

namespace UniHCP.Pipeline.Hosting;

/// <summary>
/// The meters every process exports (same names whichever stages it hosts and whichever transport joins them):
/// the stages' instruments (meter <see cref="Name"/>, created by each stage service from IMeterFactory), ingest's
/// decode counters, the transport's publish and drop counters, and - in-process - the depth and drops of every
/// queue lane (Kafka's queues are the broker's: consumer lag is read there).
/// </summary>
public sealed class StageMeters
{
    public const string Name = "UniHCP.Pipeline.Stages";

    /// <summary>Every meter name the exporters listen to.</summary>
    public static readonly string[] All = [Name, Ingest.IngestMetrics.MeterName, TransportMetrics.MeterName];

    public StageMeters(IMeterFactory meters, PipelineTransport transport)
    {
        var meter = meters.Create(Name);
        meter.CreateObservableGauge("unihcp.queue.depth", () => Lanes(transport).Select(l => new Measurement<int>(l.Depth, Tags(l))), "{message}", "Messages waiting per lane.");
        meter.CreateObservableCounter("unihcp.queue.dropped", () => Lanes(transport).Select(l => new Measurement<long>(l.Dropped, Tags(l))), "{message}", "Events dropped per lane (live sources that fell behind).");
    }

    private static IReadOnlyList<LaneStatistics> Lanes(PipelineTransport transport)
    {
        try
        {
            return (transport.Transport as InProcessTransport)?.GetStatistics() ?? [];
        }
        catch (ObjectDisposedException)
        {
            return []; // the run has ended
        }
    }

    private static KeyValuePair<string, object?>[] Tags(LaneStatistics lane) =>
        [new("topic", lane.Topic), new("group", lane.ConsumerGroup), new("camera", lane.CameraId)];
}
