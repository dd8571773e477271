using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using UniHCP.Pipeline.Store;
using Npgsql;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Transport;
using UniHCP.Pipeline.Store.Stage;

namespace UniHCP.Pipeline.Hosting.Stages;

/// <summary>The store stage: track updates and identity events written to PostgreSQL (idempotent: replays change
/// nothing). Several processes may share the work (one consumer group per input).</summary>
public sealed class StoreService : StageService
{
    private readonly PipelineTransport _transport;
    private ITopicSubscription<TrackUpdate>? _updates;
    private ITopicSubscription<IdentityEvent>? _identities;

    public StoreService(NpgsqlDataSource store, IOptions<StoreOptions> options, PipelineTransport transport, StageMonitor monitor, ILoggerFactory loggers, IMeterFactory meters)
        : base("store", monitor, loggers.CreateLogger<StoreService>())
    {
        _transport = transport;
        Stage = new StoreStage(store, loggers.CreateLogger<StoreStage>(), interpolateGapsUpTo: options.Value.InterpolateGapsUpTo);
        var counters = Stage.Counters;
        var meter = meters.Create(StageMeters.Name);
        meter.CreateObservableCounter("unihcp.store.observations", () => counters.Observations, "{observation}", "Observations newly stored.");
        meter.CreateObservableCounter("unihcp.store.batches", () => counters.Batches, "{transaction}", "Write transactions committed.");
        meter.CreateObservableCounter("unihcp.store.identity_events", () => counters.IdentityEvents, "{event}", "Identity events stored.");
        meter.CreateObservableCounter("unihcp.store.retries", () => counters.Retries, "{retry}", "Writes retried after a transient database error.");
        meter.CreateObservableCounter("unihcp.store.dead_letters", () => counters.DeadLetters, "{message}", "Messages the database refused, kept in dead_letters.");
        meter.CreateObservableCounter("unihcp.store.indexed_units", () => counters.Indexed, "{track}", "Track embeddings put into the similarity index.");
        meter.CreateObservableCounter("unihcp.store.busy", () => counters.Busy.TotalSeconds, "s", "Time spent writing.");
    }

    public StoreStage Stage { get; }

    public override bool InputAssigned => (_updates?.IsAssigned ?? false) && (_identities?.IsAssigned ?? false);

    protected override Task OpenAsync(CancellationToken cancellationToken)
    {
        _updates = _transport.Transport.Subscribe(Topics.Tracks, ConsumerGroups.StoreTracks);
        _identities = _transport.Transport.Subscribe(Topics.Identities, ConsumerGroups.StoreIdentities);
        return Task.CompletedTask;
    }

    // The embedding indexer runs beside the track writer and finishes after it (what is pending then is indexed).
    protected override Task RunAsync(CancellationToken stoppingToken)
    {
        var tracks = Stage.RunTracksAsync(_updates!, stoppingToken);
        return Task.WhenAll(tracks, Stage.RunIdentitiesAsync(_identities!, stoppingToken), Stage.RunIndexerAsync(tracks, stoppingToken));
    }
}
