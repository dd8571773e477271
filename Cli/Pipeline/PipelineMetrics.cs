using System.Diagnostics.Metrics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using UniHCP.Pipeline.Core.Transport.InProcess;

namespace UniHCP.Pipeline.Cli.Pipeline;

/// <summary>
/// The pipeline's stage metrics as OpenTelemetry instruments (meter "UniHCP.Pipeline.Stages"): frames, persons,
/// skips and rejects of inference and the time it spent in the model; tracks and identities; observations written,
/// retries and dead letters; queue depths and drops of every lane. Exported with the ingest and transport meters
/// to the console and/or a Prometheus scrape endpoint when asked for.
/// </summary>
internal sealed class PipelineMetrics : IDisposable
{
    public const string MeterName = "UniHCP.Pipeline.Stages";
    private readonly Meter _meter = new(MeterName);
    private readonly MeterProvider? _provider;

    public PipelineMetrics(EmbeddedPipeline pipeline, bool console, int? prometheusPort)
    {
        var inference = pipeline.Inference.Counters;
        var store = pipeline.Store.Counters;
        _meter.CreateObservableCounter("unihcp.inference.frames", () => inference.Analysed, "{frame}", "Frames analysed by the model.");
        _meter.CreateObservableCounter("unihcp.inference.frames_skipped", () => inference.Skipped, "{frame}", "Frames left out by the detection stride.");
        _meter.CreateObservableCounter("unihcp.inference.frames_rejected", () => inference.Rejected, "{frame}", "Frames the model could not take.");
        _meter.CreateObservableCounter("unihcp.inference.persons", () => inference.Persons, "{person}", "Persons detected.");
        _meter.CreateObservableCounter("unihcp.inference.batches", () => inference.Batches, "{batch}", "Model batches run.");
        _meter.CreateObservableCounter("unihcp.inference.busy", () => inference.Busy.TotalSeconds, "s", "Time spent in the model.");
        _meter.CreateObservableCounter("unihcp.tracking.tracks", () => pipeline.Tracking?.TracksStarted ?? 0, "{track}", "Tracks confirmed.");
        _meter.CreateObservableCounter("unihcp.tracking.identities", () => pipeline.Tracking?.Identities ?? 0, "{identity}", "Cross-camera identities given.");
        _meter.CreateObservableCounter("unihcp.store.observations", () => store.Observations, "{observation}", "Observations newly stored.");
        _meter.CreateObservableCounter("unihcp.store.batches", () => store.Batches, "{transaction}", "Write transactions committed.");
        _meter.CreateObservableCounter("unihcp.store.retries", () => store.Retries, "{retry}", "Writes retried after a transient database error.");
        _meter.CreateObservableCounter("unihcp.store.dead_letters", () => store.DeadLetters, "{message}", "Messages the database refused, kept in dead_letters.");
        _meter.CreateObservableCounter("unihcp.store.busy", () => store.Busy.TotalSeconds, "s", "Time spent writing.");
        _meter.CreateObservableGauge("unihcp.queue.depth", () => Lanes(pipeline).Select(l => new Measurement<int>(l.Depth, Tags(l))), "{message}", "Messages waiting per lane.");
        _meter.CreateObservableCounter("unihcp.queue.dropped", () => Lanes(pipeline).Select(l => new Measurement<long>(l.Dropped, Tags(l))), "{message}", "Events dropped per lane (live sources that fell behind).");

        if (!console && prometheusPort is null)
            return;
        var builder = Sdk.CreateMeterProviderBuilder().AddMeter(MeterName, "UniHCP.Pipeline.Ingest", "UniHCP.Pipeline.Transport");
        if (console)
            builder.AddConsoleExporter((_, reader) => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 10_000);
        if (prometheusPort is { } port)
        {
            builder.AddPrometheusHttpListener(o =>
            {
                o.Host = "127.0.0.1";
                o.Port = port;
            });
        }
        _provider = builder.Build();
    }

    private static IReadOnlyList<LaneStatistics> Lanes(EmbeddedPipeline pipeline)
    {
        try
        {
            return (pipeline.Transport as InProcessTransport)?.GetStatistics() ?? []; // Kafka's queues are the broker's
        }
        catch (ObjectDisposedException)
        {
            return []; // the run has ended
        }
    }

    private static KeyValuePair<string, object?>[] Tags(LaneStatistics lane) =>
        [new("topic", lane.Topic), new("group", lane.ConsumerGroup), new("camera", lane.CameraId)];

    public void Dispose()
    {
        _provider?.Dispose();
        _meter.Dispose();
    }
}
