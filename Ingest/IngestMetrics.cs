using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace UniHCP.Pipeline.Ingest;

/// <summary>Ingest counters, exported through System.Diagnostics.Metrics (meter "UniHCP.Pipeline.Ingest").</summary>
internal static class IngestMetrics
{
    public const string MeterName = "UniHCP.Pipeline.Ingest";

    private static readonly Meter s_meter = new(MeterName);

    private static readonly Counter<long> s_frames = s_meter.CreateCounter<long>(
        "unihcp.ingest.frames", unit: "{frame}", description: "Frames decoded and published.");

    private static readonly Counter<long> s_disconnects = s_meter.CreateCounter<long>(
        "unihcp.ingest.disconnects", unit: "{event}", description: "Live sources lost (each followed by a reconnect attempt).");

    private static readonly Counter<long> s_failures = s_meter.CreateCounter<long>(
        "unihcp.ingest.failures", unit: "{camera}", description: "Cameras that ended with a failure.");

    public static void Frame(string cameraId) => s_frames.Add(1, new TagList { { "camera", cameraId } });

    public static void Disconnect(string cameraId) => s_disconnects.Add(1, new TagList { { "camera", cameraId } });

    public static void Failure(string cameraId) => s_failures.Add(1, new TagList { { "camera", cameraId } });
}
