using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using UniHCP.Pipeline.Store.Writing;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Transport;
using UniHCP.Pipeline.Hosting.Options;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Inference.Stage;
using UniHCP.Pipeline.Tracking.PerCamera;

namespace UniHCP.Pipeline.Hosting.Stages;

/// <summary>The inference stage: frames in, person observations out, with the engine the Inference section describes
/// (built at start: bad weights or options stop the host before anything runs). When this process has a store, the
/// weights are registered in its model registry.</summary>
public sealed class InferenceService : StageService
{
    private readonly IOptions<InferenceServiceOptions> _options;
    private readonly PipelineTransport _transport;
    private readonly IServiceProvider _services;
    private readonly ILogger<InferenceService> _logger;
    private ITopicSubscription<VideoFrame>? _frames;
    private ITopicPublisher<PersonObservations>? _persons;
    private InferenceStage? _stage;
    private IgnoreAreaRefresher? _ignoreAreas;

    public InferenceService(IOptions<InferenceServiceOptions> options, PipelineTransport transport, StageMonitor monitor,
        IServiceProvider services, ILogger<InferenceService> logger, IMeterFactory meters)
        : base("inference", monitor, logger)
    {
        _options = options;
        _transport = transport;
        _services = services;
        _logger = logger;
        var meter = meters.Create(StageMeters.Name);
        meter.CreateObservableCounter("unihcp.inference.frames", () => Counters?.Analysed ?? 0, "{frame}", "Frames analysed by the model.");
        meter.CreateObservableCounter("unihcp.inference.frames_skipped", () => Counters?.Skipped ?? 0, "{frame}", "Frames left out by the detection stride.");
        meter.CreateObservableCounter("unihcp.inference.frames_rejected", () => Counters?.Rejected ?? 0, "{frame}", "Frames the model could not take.");
        meter.CreateObservableCounter("unihcp.inference.persons", () => Counters?.Persons ?? 0, "{person}", "Persons detected.");
        meter.CreateObservableCounter("unihcp.inference.ignored", () => Counters?.Ignored ?? 0, "{person}", "Detections dropped because their foot point lay in an ignore area.");
        meter.CreateObservableGauge("unihcp.inference.person_height_median", () => (IEnumerable<Measurement<double>>?)Counters?.PersonSizes.Snapshot()
            .Select(c => new Measurement<double>(c.Value.MedianHeight, new KeyValuePair<string, object?>("camera", c.Key))) ?? [],
            "px", "Per camera, the median height of the people found at the detector's input (under 80 px: tiles find more of them).");
        meter.CreateObservableCounter("unihcp.inference.batches", () => Counters?.Batches ?? 0, "{batch}", "Model batches run.");
        meter.CreateObservableCounter("unihcp.inference.busy", () => Counters?.Busy.TotalSeconds ?? 0, "s", "Time spent in the model, summed over its lanes.");
    }

    /// <summary>The stage (null before start): its counters, and a weights swap without stopping.</summary>
    public InferenceStage? Stage => _stage;

    /// <summary>The stage's counters (null before start).</summary>
    public InferenceStageCounters? Counters => _stage?.Counters;

    /// <summary>The engine the stage runs (null before start).</summary>
    public PerceptionEngine? Engine { get; private set; }

    /// <summary>The weights file in use.</summary>
    public string? WeightsPath { get; private set; }

    public override bool InputAssigned => _frames?.IsAssigned ?? false;

    protected override async Task OpenAsync(CancellationToken cancellationToken)
    {
        var options = _options.Value;
        WeightsPath = DefaultWeights.Resolve(options.Weights);
        try
        {
            Engine = new PerceptionEngineBuilder().WithWeights(WeightsPath).WithOptions(options.Perception).Build();
        }
        catch (Exception ex) when (ex is InvalidDataException or ArgumentException or NotSupportedException)
        {
            throw new ArgumentException($"weights '{WeightsPath}': {ex.Message}", ex);
        }
        HostingLog.EngineReady(_logger, Engine.ModelVersion, WeightsPath, string.Join(", ", ["detection", .. Engine.CropTasks.Select(t => t.Name)]), Engine.DetectionResize.ShortSide);
        var tracker = _services.GetRequiredService<IOptions<TrackerOptions>>().Value;
        var store = _services.GetService<NpgsqlDataSource>();
        var snapshots = store is null ? null : new CameraSnapshots(store);
        _stage = new InferenceStage(Engine, options.Stage with { Tracker = tracker }, _services.GetRequiredService<ILogger<InferenceStage>>(),
            snapshots is null ? null : (frame, jpeg, ct) => snapshots.WriteAsync(frame.CameraId, frame.CaptureTime, frame.Width, frame.Height, jpeg, ct));
        if (store is not null)
        {
            await RegisterAsync(store, cancellationToken).ConfigureAwait(false);
            // The configuration's areas are recorded as a version; the store's latest (perhaps an operator's edit) apply.
            var areas = new IgnoreAreaStore(store);
            await areas.RecordConfiguredAsync(options.Perception.IgnoreAreas, cancellationToken).ConfigureAwait(false);
            _ignoreAreas = new IgnoreAreaRefresher(areas, _stage, _logger);
            await _ignoreAreas.ApplyAsync(cancellationToken).ConfigureAwait(false);
        }
        _frames = _transport.Transport.Subscribe(Topics.Frames, ConsumerGroups.Inference);
        _persons = _transport.Transport.CreatePublisher(Topics.Persons);
    }

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        var every = _options.Value.IgnoreAreasRefresh;
        if (_ignoreAreas is null || every == TimeSpan.Zero)
        {
            await _stage!.RunAsync(_frames!, _persons!, stoppingToken).ConfigureAwait(false);
            return;
        }
        using var refreshing = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var refresh = _ignoreAreas.RunAsync(every, refreshing.Token);
        try
        {
            await _stage!.RunAsync(_frames!, _persons!, stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            await refreshing.CancelAsync().ConfigureAwait(false);
            await refresh.ConfigureAwait(false);
        }
    }

    // What the dashboard's model list shows. A registry that cannot be written does not stop the analysis.
    private async Task RegisterAsync(NpgsqlDataSource store, CancellationToken cancellationToken)
    {
        try
        {
            await WeightsRegistration.RegisterAsync(store, Engine!.Metadata, WeightsPath, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex)
        {
            HostingLog.NotRegistered(_logger, Engine!.Metadata.Version, ex.Message);
        }
    }
}
