using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Transport;
using UniHCP.Pipeline.Store.Writing;
using UniHCP.Pipeline.Tracking.Stage;
using UniHCP.Pipeline.Tracking.Zones;

namespace UniHCP.Pipeline.Hosting.Stages;

/// <summary>The events stage (section Events): zone and line events from the track updates of the cameras that have
/// geometry. The configured geometry is recorded in the store at start when it changed since the last start; the stage
/// counts with the store's latest version of each camera (so edits through the API count too). Over Kafka the events are also published on the events topic for live consumers; in one process nothing
/// reads a live topic yet, so they go to the store only.</summary>
public sealed class EventsService : StageService
{
    private readonly IOptions<ZoneEventOptions> _options;
    private readonly PipelineTransport _transport;
    private readonly ZoneEventLog _log;
    private readonly ILoggerFactory _loggers;
    private ITopicSubscription<TrackUpdate>? _updates;
    private ITopicPublisher<ZoneEvent>? _events;

    public EventsService(IOptions<ZoneEventOptions> options, PipelineTransport transport, ZoneEventLog log, StageMonitor monitor,
        ILoggerFactory loggers, IMeterFactory meters)
        : base("events", monitor, loggers.CreateLogger<EventsService>())
    {
        _options = options;
        _transport = transport;
        _log = log;
        _loggers = loggers;
        var meter = meters.Create(StageMeters.Name);
        meter.CreateObservableCounter("unihcp.events.computed", () => Stage?.Events ?? 0, "{event}", "Zone and line events computed (replays included).");
        meter.CreateObservableCounter("unihcp.events.stored", () => Stage?.Stored ?? 0, "{event}", "Zone and line events newly stored.");
    }

    /// <summary>The stage (null before start).</summary>
    public EventsStage? Stage { get; private set; }

    public override bool InputAssigned => _updates?.IsAssigned ?? false;

    protected override async Task OpenAsync(CancellationToken cancellationToken)
    {
        var options = _options.Value;
        foreach (var (camera, definition) in options.Cameras)
            await _log.RecordConfiguredGeometryAsync(camera, definition, cancellationToken).ConfigureAwait(false);
        Stage = new EventsStage(options, _log, _loggers.CreateLogger<EventsStage>());
        _updates = _transport.Transport.Subscribe(Topics.Tracks, ConsumerGroups.Events);
        if (_transport.Kafka is not null)
            _events = _transport.Transport.CreatePublisher(Topics.Events);
    }

    protected override Task RunAsync(CancellationToken stoppingToken) => Stage!.RunAsync(_updates!, _events, stoppingToken);
}
