using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Transport;
using UniHCP.Pipeline.Hosting.Options;
using UniHCP.Pipeline.Ingest;
using UniHCP.Pipeline.Ingest.Configuration;

namespace UniHCP.Pipeline.Hosting.Stages;

/// <summary>The ingest stage: the configured cameras (Ingest section) decoded into the frames topic. Stops reading when
/// the monitor stops the sources (first Ctrl+C, or a failed stage): what was published drains downstream.</summary>
public sealed class IngestService(
    IOptions<IngestOptions> options, IOptions<PipelineOptions> pipeline, PipelineTransport transport, StageMonitor monitor,
    ILoggerFactory loggers, IMeterFactory meters)
    : StageService("ingest", monitor, loggers.CreateLogger<IngestService>())
{
    private IReadOnlyList<CameraSource> _sources = [];
    private ITopicPublisher<VideoFrame>? _frames;

    /// <summary>One report per camera once the stage has ended.</summary>
    public IReadOnlyList<CameraIngestReport> Reports { get; private set; } = [];

    /// <summary>The cameras, validated.</summary>
    public IReadOnlyList<CameraSource> Sources => _sources;

    public override bool InputAssigned => true;

    protected override Task OpenAsync(CancellationToken cancellationToken)
    {
        _sources = IngestOptionsValidator.BuildSources(options.Value);
        int maxLag = pipeline.Value.MaxLag;
        _frames = transport.Kafka is { } kafka && maxLag > 0
            ? kafka.CreatePublisher(Topics.Frames, ConsumerGroups.Inference, maxLag)
            : transport.Transport.CreatePublisher(Topics.Frames);
        return Task.CompletedTask;
    }

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, Monitor.SourcesStopping);
        Reports = await new IngestStage(_sources, loggers, options.Value.FfmpegFolder, meterFactory: meters)
            .RunAsync(_frames!, stop.Token).ConfigureAwait(false);
    }
}
