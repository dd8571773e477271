using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace UniHCP.Pipeline.Ingest;

/// <summary>Ingest counters (meter "UniHCP.Pipeline.Ingest"), created from the host's IMeterFactory so that every
/// process exports them the same way; a stage built without one gets a meter of its own.</summary>
public sealed class IngestMetrics
{
    public const string MeterName = "UniHCP.Pipeline.Ingest";

    private readonly Counter<long> _frames;
    private readonly Counter<long> _disconnects;
    private readonly Counter<long> _failures;

    public IngestMetrics(IMeterFactory? meters)
    {
        var meter = meters?.Create(MeterName) ?? new Meter(MeterName);
        _frames = meter.CreateCounter<long>("unihcp.ingest.frames", unit: "{frame}", description: "Frames decoded and published.");
        _disconnects = meter.CreateCounter<long>("unihcp.ingest.disconnects", unit: "{event}", description: "Live sources lost (each followed by a reconnect attempt).");
        _failures = meter.CreateCounter<long>("unihcp.ingest.failures", unit: "{camera}", description: "Cameras that ended with a failure.");
    }

    public void Frame(string cameraId) => _frames.Add(1, new TagList { { "camera", cameraId } });

    public void Disconnect(string cameraId) => _disconnects.Add(1, new TagList { { "camera", cameraId } });

    public void Failure(string cameraId) => _failures.Add(1, new TagList { { "camera", cameraId } });
}
