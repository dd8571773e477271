using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using UniHCP.Pipeline.Hosting.Options;
using UniHCP.Pipeline.Hosting.Stages;
using UniHCP.Pipeline.Ingest.Configuration;
using UniHCP.Pipeline.Store;
using UniHCP.Pipeline.Store.Writing;
using UniHCP.Pipeline.Tracking.CrossCamera;
using UniHCP.Pipeline.Tracking.PerCamera;
using UniHCP.Pipeline.Tracking.Zones;
using UniHCP.Pipeline.Transport.Kafka;

namespace UniHCP.Pipeline.Hosting;

/// <summary>
/// One registration per stage, the same for `unihcp run` (every stage in one process) and `unihcp stage NAME` (one
/// stage per process): options bound strictly from their configuration section and validated at start, the transport
/// from Pipeline:Transport, metrics from IMeterFactory, health checks for /healthz.
/// </summary>
public static class PipelineServiceCollectionExtensions
{
    /// <summary>Ingest (section Ingest): <paramref name="cameras"/>, when given, replace the configured cameras.</summary>
    public static IServiceCollection AddIngest(this IServiceCollection services, IReadOnlyList<CameraOptions>? cameras = null)
    {
        services.AddPipelineCore();
        var options = services.AddValidated<IngestOptions>(IngestOptions.SectionName, o => IngestOptionsValidator.BuildSources(o));
        if (cameras is not null)
            options.Configure(o => o.Cameras = [.. cameras]);
        return services.AddStage<IngestService>("ingest");
    }

    /// <summary>Inference (section Inference).</summary>
    public static IServiceCollection AddInference(this IServiceCollection services)
    {
        services.AddPipelineCore();
        services.AddValidated<InferenceServiceOptions>(InferenceServiceOptions.SectionName, o => o.Validate());
        // The person-task schedule describes the detections the tracker would start a track from.
        services.AddValidated<TrackerOptions>("Tracking:Camera", o => o.Validate());
        return services.AddStage<InferenceService>("inference");
    }

    /// <summary>Per-camera tracking (section Tracking:Camera); track ids from the store.</summary>
    public static IServiceCollection AddTracking(this IServiceCollection services)
    {
        services.AddPipelineCore().AddStoreConnection();
        services.AddValidated<TrackerOptions>("Tracking:Camera", o => o.Validate());
        return services.AddStage<TrackingService>("tracking");
    }

    /// <summary>Cross-camera identities (section Tracking:Identities); one per pipeline.</summary>
    public static IServiceCollection AddIdentities(this IServiceCollection services)
    {
        services.AddPipelineCore().AddStoreConnection();
        services.AddValidated<IdentityOptions>("Tracking:Identities", o => o.Validate());
        return services.AddStage<IdentitiesService>("identities");
    }

    /// <summary>Zone and line events (section Events); one per pipeline, like identities.</summary>
    public static IServiceCollection AddEvents(this IServiceCollection services)
    {
        services.AddPipelineCore().AddStoreConnection();
        services.AddValidated<ZoneEventOptions>(ZoneEventOptions.SectionName, o => o.Validate());
        services.TryAddSingleton<ZoneEventLog>();
        services.AddHostedService<Webhooks.WebhookService>();
        return services.AddStage<EventsService>("events");
    }

    /// <summary>The store writer (section Store).</summary>
    public static IServiceCollection AddStore(this IServiceCollection services)
    {
        services.AddPipelineCore().AddStoreConnection();
        services.AddHostedService<RetentionService>();
        return services.AddStage<StoreService>("store");
    }

    /// <summary>Every stage, in flow order: the embedded pipeline.</summary>
    public static IServiceCollection AddAllStages(this IServiceCollection services, IReadOnlyList<CameraOptions>? cameras = null) =>
        services.AddStore().AddEvents().AddIdentities().AddTracking().AddInference().AddIngest(cameras);

    private static IServiceCollection AddStage<TService>(this IServiceCollection services, string name) where TService : StageService
    {
        services.AddSingleton(new StageRegistration(name));
        services.AddSingleton<TService>();
        services.AddSingleton<StageService>(provider => provider.GetRequiredService<TService>());
        services.AddSingleton<IHostedService>(provider => provider.GetRequiredService<TService>());
        return services;
    }

    private static IServiceCollection AddPipelineCore(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(StageMonitor)))
            return services;
        services.AddValidated<PipelineOptions>(PipelineOptions.SectionName, o => o.Validate());
        services.AddOptions<KafkaTransportOptions>()
            .Configure<IConfiguration>((options, configuration) => ValidatedOptions.BindStrictly(options, configuration, KafkaTransportOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<KafkaTransportOptions>, KafkaValidator>();
        services.AddSingleton<StageMonitor>();
        services.AddSingleton<PipelineTransport>();
        services.AddSingleton<StageMeters>();
        services.AddHostedService<TopicSetup>();
        services.AddHealthChecks().AddCheck<StageHealthCheck>("stages");
        return services;
    }

    private static IServiceCollection AddStoreConnection(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(NpgsqlDataSource)))
            return services;
        services.AddValidated<StoreOptions>(StoreOptions.SectionName, o => o.Validate())
            .Configure<IConfiguration>((o, configuration) => o.ConnectionString ??= configuration.GetConnectionString("Store"));
        services.AddSingleton(provider => StoreDataSource.Create(provider.GetRequiredService<IOptions<StoreOptions>>().Value));
        services.TryAddSingleton<TrackIdBlocks>();
        services.TryAddSingleton<CalibrationPairStore>();
        services.AddHostedService<StoreStartup>();
        services.AddHealthChecks().AddCheck<StoreHealthCheck>("store");
        return services;
    }

    /// <summary>The Kafka section is checked only when Kafka joins the stages.</summary>
    private sealed class KafkaValidator(IOptions<PipelineOptions> pipeline) : IValidateOptions<KafkaTransportOptions>
    {
        public ValidateOptionsResult Validate(string? name, KafkaTransportOptions options)
        {
            if (pipeline.Value.Transport != PipelineTransportKind.Kafka)
                return ValidateOptionsResult.Success;
            try
            {
                options.Validate();
                return ValidateOptionsResult.Success;
            }
            catch (ArgumentException ex)
            {
                return ValidateOptionsResult.Fail(ex.Message);
            }
        }
    }
}
