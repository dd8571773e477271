using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Transport;
using UniHCP.Pipeline.Store.Writing;
using UniHCP.Pipeline.Tracking.PerCamera;
using UniHCP.Pipeline.Tracking.Stage;

namespace UniHCP.Pipeline.Hosting.Stages;

/// <summary>The per-camera tracking stage (Tracking:Camera section). Stateless across cameras: run as many processes
/// as the persons topic has partitions, all in one consumer group; each tracks the cameras of its partitions.</summary>
public sealed class TrackingService : StageService
{
    private readonly PipelineTransport _transport;
    private ITopicSubscription<PersonObservations>? _persons;
    private ITopicPublisher<TrackUpdate>? _tracks;

    public TrackingService(IOptions<TrackerOptions> options, PipelineTransport transport, TrackIdBlocks ids, StageMonitor monitor,
        ILoggerFactory loggers, IMeterFactory meters)
        : base("tracking", monitor, loggers.CreateLogger<TrackingService>())
    {
        _transport = transport;
        Stage = new TrackingStage(options.Value, new StoredTrackIds(ids), loggers.CreateLogger<TrackingStage>());
        var meter = meters.Create(StageMeters.Name);
        meter.CreateObservableCounter("unihcp.tracking.updates", () => Stage.Updates, "{frame}", "Frames tracked (track updates published).");
        meter.CreateObservableCounter("unihcp.tracking.tracks", () => Stage.TracksStarted, "{track}", "Tracks confirmed.");
        meter.CreateObservableCounter("unihcp.tracking.out_of_order", () => Stage.OutOfOrder, "{frame}", "Frames not newer than their camera's last one (replays), skipped.");
    }

    public TrackingStage Stage { get; }

    public override bool InputAssigned => _persons?.IsAssigned ?? false;

    protected override Task OpenAsync(CancellationToken cancellationToken)
    {
        _persons = _transport.Transport.Subscribe(Topics.Persons, ConsumerGroups.Tracking);
        _tracks = _transport.Transport.CreatePublisher(Topics.Tracks);
        return Task.CompletedTask;
    }

    protected override Task RunAsync(CancellationToken stoppingToken) => Stage.RunAsync(_persons!, _tracks!, stoppingToken);

    /// <summary>Track ids from blocks reserved in the store.</summary>
    private sealed class StoredTrackIds(TrackIdBlocks blocks) : ITrackIdSource
    {
        public Task<long> ReserveAsync(string cameraId, int size, CancellationToken cancellationToken) =>
            blocks.ReserveAsync(cameraId, size, cancellationToken);
    }
}
