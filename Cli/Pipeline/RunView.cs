using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using UniHCP.Pipeline.Hosting;
using UniHCP.Pipeline.Hosting.Stages;

namespace UniHCP.Pipeline.Cli.Pipeline;

/// <summary>What `unihcp run` shows of its host's stages: the progress line and, at the end, the result.</summary>
internal sealed class RunView
{
    private readonly long _started = Stopwatch.GetTimestamp();

    private RunView(IServiceProvider services)
    {
        Ingest = services.GetRequiredService<IngestService>();
        Inference = services.GetRequiredService<InferenceService>();
        Tracking = services.GetRequiredService<TrackingService>();
        Identities = services.GetRequiredService<IdentitiesService>();
        Events = services.GetRequiredService<EventsService>();
        Store = services.GetRequiredService<StoreService>();
        Monitor = services.GetRequiredService<StageMonitor>();
    }

    public IngestService Ingest { get; }

    public InferenceService Inference { get; }

    public TrackingService Tracking { get; }

    public IdentitiesService Identities { get; }

    public EventsService Events { get; }

    public StoreService Store { get; }

    public StageMonitor Monitor { get; }

    public static RunView Of(IHost host) => new(host.Services);

    public string Describe() =>
        $"{Inference.Counters?.Analysed ?? 0} frames analysed, {Inference.Counters?.Persons ?? 0} persons, {Tracking.Stage.TracksStarted} tracks, " +
        $"{Store.Stage.Counters.Observations} observations stored";

    public PipelineResult Result()
    {
        var inference = Inference.Counters!;
        // The first failure that is a cause, not a stage that saw its input fail.
        var failure = Monitor.Stages.Where(s => s.State == StageState.Failed).Select(s => s.Error)
            .FirstOrDefault(e => e is not Core.Transport.TopicFaultedException) ?? Monitor.FirstFailure?.Error;
        return new PipelineResult(Ingest.Reports, inference.Analysed, inference.Skipped, inference.Rejected, inference.Persons,
            Store.Stage.Counters.Observations, Tracking.Stage.TracksStarted, Identities.Stage?.Identities ?? 0, Store.Stage.Counters.DeadLetters, Events.Stage?.Stored ?? 0,
            Stopwatch.GetElapsedTime(_started), inference.Busy, inference.Lanes, Store.Stage.Counters.Busy, Inference.Engine?.ModelVersion ?? "-", failure,
            Inference.Engine?.Options.Precision == UniHCP.Pipeline.Inference.Engine.Precision.Float32, inference.Ignored,
            inference.PersonSizes.Snapshot(), inference.DetectionPasses);
    }
}
