using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using UniHCP.Pipeline.Core.Transport;
using UniHCP.Pipeline.Core.Transport.InProcess;
using UniHCP.Pipeline.Hosting.Options;
using UniHCP.Pipeline.Transport.Kafka;

namespace UniHCP.Pipeline.Hosting;

/// <summary>
/// The transport this process's stages share, chosen by configuration (Pipeline:Transport): the in-process queues, or
/// Kafka at Kafka:BootstrapServers - where "mock" starts librdkafka's mock cluster in this process (a real broker
/// protocol without installing Kafka, for trials and tests). Over Kafka the pipeline's topics are created when
/// missing. Frames travel as JPEG (Pipeline:JpegQuality; 0: raw); consumers read both forms, so processes with
/// different settings interoperate.
/// </summary>
public sealed class PipelineTransport : IAsyncDisposable
{
    /// <summary>Every topic of the pipeline, in flow order.</summary>
    public static readonly IReadOnlyList<string> TopicNames = [Topics.Frames.Name, Topics.Persons.Name, Topics.Tracks.Name, Topics.Identities.Name, Topics.Events.Name];

    private readonly MockKafkaCluster? _mock;

    public PipelineTransport(IOptions<PipelineOptions> pipeline, IOptions<KafkaTransportOptions> kafka, ILoggerFactory loggers, System.Diagnostics.Metrics.IMeterFactory meters)
    {
        var options = pipeline.Value;
        if (options.Transport == PipelineTransportKind.InProcess)
        {
            Transport = new InProcessTransport(meters: meters);
            Description = "in-process";
            return;
        }
        var kafkaOptions = kafka.Value;
        if (kafkaOptions.BootstrapServers == "mock")
        {
            _mock = StartMockBroker(options.Partitions, kafkaOptions.DeadLetterSuffix);
            // One process holds every consumer of the run: no member can die and leave partitions to take over.
            kafkaOptions.BootstrapServers = _mock.BootstrapServers;
            kafkaOptions.EndLingerMs ??= 0;
        }
        var kafkaTransport = new KafkaTransport(kafkaOptions, new EventCodec(
            options.JpegQuality == 0 ? RawFramePixels.Instance : new JpegFramePixels(options.JpegQuality), [new JpegFramePixels(90)]),
            loggers.CreateLogger<KafkaTransport>());
        Transport = kafkaTransport;
        Kafka = kafkaTransport;
        Description = $"Kafka at {(_mock is not null ? "librdkafka's mock cluster " : "")}{kafkaOptions.BootstrapServers}";
    }

    public IMessageTransport Transport { get; }

    /// <summary>The Kafka transport, or null in-process.</summary>
    public KafkaTransport? Kafka { get; }

    /// <summary>For the console: which transport, and where.</summary>
    public string Description { get; }

    /// <summary>librdkafka's mock cluster with the pipeline's topics (and their dead-letter topics), for trials whose
    /// stages run as separate processes (`unihcp stage broker`).</summary>
    public static MockKafkaCluster StartMockBroker(int partitions, string deadLetterSuffix = ".dlq")
    {
        var mock = new MockKafkaCluster(brokers: 3);
        foreach (string topic in TopicNames)
        {
            mock.CreateTopic(topic, partitions);
            mock.CreateTopic(topic + deadLetterSuffix, 1);
        }
        return mock;
    }

    /// <summary>Over a real Kafka cluster, creates the pipeline's topics that do not exist yet. A broker without the
    /// call (librdkafka's mock cluster, started elsewhere) must already have them: that is reported, not fatal.</summary>
    public async Task EnsureTopicsAsync(int partitions, ILogger logger)
    {
        if (Kafka is null || _mock is not null)
            return;
        // An unreachable broker is fatal here, before any stage starts (the start reports it); topics that cannot be
        // created on a reachable one are not.
        await Task.Run(Kafka.EnsureReachable).ConfigureAwait(false);
        try
        {
            await Kafka.CreateTopicsAsync(TopicNames, partitions).ConfigureAwait(false);
        }
        catch (Confluent.Kafka.KafkaException ex)
        {
            HostingLog.TopicsNotCreated(logger, ex.Error.Reason);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Transport.DisposeAsync().ConfigureAwait(false);
        _mock?.Dispose();
    }
}
