using System.Diagnostics;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;
using UniHCP.Pipeline.Core.Transport;
using UniHCP.Pipeline.Core.Transport.InProcess;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Inference.Stage;
using UniHCP.Pipeline.Ingest;
using UniHCP.Pipeline.Store.Stage;
using UniHCP.Pipeline.Store.Writing;
using UniHCP.Pipeline.Tracking.CrossCamera;
using UniHCP.Pipeline.Tracking.PerCamera;
using UniHCP.Pipeline.Tracking.Stage;

namespace UniHCP.Pipeline.Cli.Pipeline;

/// <summary>Everything a run needs, validated before anything starts.</summary>
internal sealed record PipelineSettings(
    IReadOnlyList<CameraSource> Sources,
    string? FfmpegFolder,
    InferenceStageOptions Inference,
    TrackerOptions Tracker,
    IdentityOptions Identity,
    string? WeightsPath)
{
    /// <summary>Makes the transport the stages talk over (default: the in-process one).</summary>
    public Func<IMessageTransport> Transport { get; init; } = () => new InProcessTransport();
}

/// <summary>
/// All stages in one process: ingest -> inference -> tracking -> store, on the in-process transport (the embedded
/// default) or over Kafka (a single-host trial of the scale-out transport; the same stage code).
/// <c>stop</c> (Ctrl+C) ends ingest only; the frames already published flow through inference and tracking
/// into the database, and the stages end as their inputs complete. <c>abort</c> (a second Ctrl+C) stops
/// everything at once. A stage that fails stops ingest and the failure is reported; what reached the stages
/// after it is still written.
/// </summary>
internal sealed class EmbeddedPipeline(PipelineSettings settings, PerceptionEngine engine, NpgsqlDataSource store, ILoggerFactory loggers)
{
    public InferenceStage Inference { get; } = new(engine, settings.Inference, loggers.CreateLogger<InferenceStage>());

    public StoreStage Store { get; } = new(store, loggers.CreateLogger<StoreStage>());

    public TrackingStage? Tracking { get; private set; }

    public IMessageTransport? Transport { get; private set; }

    public async Task<PipelineResult> RunAsync(CancellationToken stop, CancellationToken abort)
    {
        var started = Stopwatch.GetTimestamp();
        string version = engine.ModelVersion;
        await RegisterModelAsync(abort).ConfigureAwait(false);
        Tracking = new TrackingStage(settings.Tracker, settings.Identity, await TrackingIds.FromStoreAsync(store, abort).ConfigureAwait(false), loggers.CreateLogger<TrackingStage>());

        await using var transport = settings.Transport();
        Transport = transport;
        // Every subscription exists before anything is published, so that no group misses a message.
        var frames = transport.Subscribe(Topics.Frames, "inference");
        var persons = transport.Subscribe(Topics.Persons, "tracking");
        var updates = transport.Subscribe(Topics.Tracks, "store");
        var identities = transport.Subscribe(Topics.Identities, "store");

        using var ingestStop = CancellationTokenSource.CreateLinkedTokenSource(stop, abort);
        var stages = new[]
        {
            Run("store (tracks)", () => Store.RunTracksAsync(updates, abort)),
            Run("store (identities)", () => Store.RunIdentitiesAsync(identities, abort)),
            Run("tracking", () => Tracking.RunAsync(persons, transport.CreatePublisher(Topics.Tracks), transport.CreatePublisher(Topics.Identities), abort)),
            Run("inference", () => Inference.RunAsync(frames, transport.CreatePublisher(Topics.Persons), abort)),
        };
        // A stage that fails stops ingest: nothing would consume its frames.
        foreach (var stage in stages)
            _ = stage.ContinueWith(t => ingestStop.Cancel(), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

        IReadOnlyList<CameraIngestReport> cameras = [];
        Exception? failure = null;
        try
        {
            cameras = await new IngestStage(settings.Sources, loggers, settings.FfmpegFolder).RunAsync(transport.CreatePublisher(Topics.Frames), ingestStop.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            failure = ex;
        }
        try
        {
            await Task.WhenAll(stages).ConfigureAwait(false);
        }
        catch (Exception) when (!abort.IsCancellationRequested)
        {
            failure ??= stages.Select(s => s.Exception?.InnerException).FirstOrDefault(e => e is not null and not TopicFaultedException)
                ?? stages.First(s => s.IsFaulted).Exception!.InnerException;
        }

        var inference = Inference.Counters;
        return new PipelineResult(cameras, inference.Analysed, inference.Skipped, inference.Rejected, inference.Persons,
            Store.Counters.Observations, Tracking.TracksStarted, Tracking.Identities, Store.Counters.DeadLetters,
            Stopwatch.GetElapsedTime(started), inference.Busy, Store.Counters.Busy, version, failure);
    }

    private static Task Run(string name, Func<Task> stage) =>
        Task.Run(async () =>
        {
            try
            {
                await stage().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not TopicFaultedException)
            {
                throw new PipelineStageException(name, ex);
            }
        });

    private Task RegisterModelAsync(CancellationToken cancellationToken) =>
        ModelRegistration.RegisterAsync(store, engine.Metadata, settings.WeightsPath, cancellationToken);
}

/// <summary>A stage of the pipeline failed; names which.</summary>
internal sealed class PipelineStageException(string stage, Exception inner) : Exception($"The {stage} stage failed: {inner.Message}", inner)
{
    public string Stage { get; } = stage;
}
