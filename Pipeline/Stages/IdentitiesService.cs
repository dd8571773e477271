using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Transport;
using UniHCP.Pipeline.Store.Writing;
using UniHCP.Pipeline.Tracking.CrossCamera;
using UniHCP.Pipeline.Tracking.Stage;

namespace UniHCP.Pipeline.Hosting.Stages;

/// <summary>The identities stage (Tracking:Identities section): links tracks across cameras from the track updates of
/// every camera. Run one per pipeline: identities need every camera. New identity ids continue above the stored ones.</summary>
public sealed class IdentitiesService : StageService
{
    private readonly IOptions<IdentityOptions> _options;
    private readonly PipelineTransport _transport;
    private readonly TrackIdBlocks _ids;
    private readonly CalibrationPairStore _pairs;
    private readonly ILoggerFactory _loggers;
    private ITopicSubscription<TrackUpdate>? _updates;
    private ITopicPublisher<IdentityEvent>? _identities;

    public IdentitiesService(IOptions<IdentityOptions> options, PipelineTransport transport, TrackIdBlocks ids, CalibrationPairStore pairs,
        StageMonitor monitor, ILoggerFactory loggers, IMeterFactory meters)
        : base("identities", monitor, loggers.CreateLogger<IdentitiesService>())
    {
        _options = options;
        _transport = transport;
        _ids = ids;
        _pairs = pairs;
        _loggers = loggers;
        var meter = meters.Create(StageMeters.Name);
        meter.CreateObservableCounter("unihcp.tracking.identities", () => Stage?.Identities ?? 0, "{identity}", "Cross-camera identities given.");
        meter.CreateObservableCounter("unihcp.tracking.identity_events", () => Stage?.IdentityEvents ?? 0, "{event}", "Identity events published.");
    }

    /// <summary>The stage (null before start).</summary>
    public IdentitiesStage? Stage { get; private set; }

    public override bool InputAssigned => _updates?.IsAssigned ?? false;

    protected override async Task OpenAsync(CancellationToken cancellationToken)
    {
        long first = await _ids.FirstFreeIdentityAsync(cancellationToken).ConfigureAwait(false);
        Stage = new IdentitiesStage(_options.Value, first, _loggers.CreateLogger<IdentitiesStage>(), new StoredPairs(_pairs));
        _updates = _transport.Transport.Subscribe(Topics.Tracks, ConsumerGroups.Identities);
        _identities = _transport.Transport.CreatePublisher(Topics.Identities);
    }

    protected override Task RunAsync(CancellationToken stoppingToken) => Stage!.RunAsync(_updates!, _identities!, stoppingToken);

    // The identities stage's pair memory on the store.
    private sealed class StoredPairs(CalibrationPairStore store) : ICalibrationMemory
    {
        public async Task<RememberedPairs?> LoadAsync(string cameraId, string modelVersion, CancellationToken cancellationToken) =>
            await store.LoadAsync(cameraId, modelVersion, cancellationToken).ConfigureAwait(false) is { } stored
                ? new RememberedPairs(stored.EmbeddingLength, stored.Similarities) : null;

        public Task SaveAsync(string cameraId, string modelVersion, RememberedPairs pairs, CancellationToken cancellationToken) =>
            store.SaveAsync(cameraId, modelVersion, new StoredCalibrationPairs(pairs.EmbeddingLength, pairs.Similarities), cancellationToken);
    }
}
