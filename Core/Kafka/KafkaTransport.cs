using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Transport;

namespace UniHCP.Pipeline.Transport.Kafka;

/// <summary>
/// The transport over Apache Kafka: one Kafka topic per pipeline topic, messages keyed by camera id (so each
/// camera's messages stay in one partition, in order), idempotent acks=all producers, consumer groups whose
/// offsets are stored only when the stage acknowledges a delivery (its downstream effect is durable), and a
/// dead-letter topic per topic for messages that cannot be read. Stage code sees only <see cref="IMessageTransport"/>.
/// </summary>
public sealed class KafkaTransport : IMessageTransport
{
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly Lock _sync = new();

    public KafkaTransport(KafkaTransportOptions options, EventCodec? codec = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Librdkafka.EnsureLoaded();
        Options = options;
        Codec = codec ?? new EventCodec();
        Logger = logger ?? NullLogger.Instance;
        Producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = options.BootstrapServers,
            ClientId = options.ClientId,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 2,
            MessageMaxBytes = options.MaxMessageBytes,
            Partitioner = Partitioner.Murmur2Random, // the Java client's key hashing: other clients agree on the partition
        })
            .SetErrorHandler((producer, error) => KafkaLog.Error(Logger, Throttle, producer.Name, error.Code, error.Reason, error.IsFatal))
            .SetLogHandler((_, message) => KafkaLog.Log(Logger, Throttle, message))
            .Build();
    }

    public string Name => "kafka";

    /// <summary>Client errors and logs, rebalances, dead letters and commit failures.</summary>
    internal ILogger Logger { get; }

    /// <summary>Set when a publisher's completion found no broker answering: the process is on its way out, and the
    /// other publishers skip their own wait for the same answer.</summary>
    internal bool BrokersLost
    {
        get => Volatile.Read(ref _brokersLost);
        set => Volatile.Write(ref _brokersLost, value);
    }

    private bool _brokersLost;

    /// <summary>One line per client and kind of error per 30 s; the repeats are counted.</summary>
    internal ErrorThrottle Throttle { get; } = new(TimeSpan.FromSeconds(30));

    internal KafkaTransportOptions Options { get; }

    internal EventCodec Codec { get; }

    internal IProducer<string, byte[]> Producer { get; }

    /// <summary>Creates the topics (and their dead-letter topics) that do not exist yet, with <paramref name="partitions"/>
    /// partitions. A real cluster only: the mock cluster creates topics through <see cref="MockKafkaCluster.CreateTopic"/>.</summary>
    public async Task CreateTopicsAsync(IEnumerable<string> topics, int partitions, short replication = 1)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Options.BootstrapServers }).Build();
        var specs = topics.SelectMany(t => new[] { t, t + Options.DeadLetterSuffix })
            .Select(t => new TopicSpecification { Name = t, NumPartitions = partitions, ReplicationFactor = replication }).ToList();
        try
        {
            // A short timeout: a broker without the call (the mock cluster) must not hold a stage's start for a minute.
            await admin.CreateTopicsAsync(specs, new CreateTopicsOptions { RequestTimeout = TimeSpan.FromSeconds(5), OperationTimeout = TimeSpan.FromSeconds(5) }).ConfigureAwait(false);
        }
        catch (CreateTopicsException ex) when (ex.Results.All(r => r.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
        {
            // Already there: nothing to do.
        }
    }

    public ITopicPublisher<T> CreatePublisher<T>(Topic<T> topic) where T : class, ICameraEvent => CreatePublisher(topic, null, 0);

    /// <summary>A publisher that, after each message, waits while consumer group <paramref name="pacedBy"/> is more than
    /// <paramref name="maxLag"/> messages behind on that partition (see <see cref="ConsumerLagGate"/>; 0: never waits).</summary>
    public ITopicPublisher<T> CreatePublisher<T>(Topic<T> topic, string? pacedBy, int maxLag) where T : class, ICameraEvent
    {
        ArgumentNullException.ThrowIfNull(topic);
        ArgumentOutOfRangeException.ThrowIfNegative(maxLag);
        var gate = maxLag > 0 && !string.IsNullOrWhiteSpace(pacedBy) ? new ConsumerLagGate(Options, topic.Name, pacedBy, maxLag) : null;
        var publisher = new KafkaTopicPublisher<T>(this, topic, gate);
        Own(publisher);
        return publisher;
    }

    public ITopicSubscription<T> Subscribe<T>(Topic<T> topic, string consumerGroup) where T : class, ICameraEvent
    {
        ArgumentNullException.ThrowIfNull(topic);
        ArgumentException.ThrowIfNullOrWhiteSpace(consumerGroup);
        var subscription = new KafkaTopicSubscription<T>(this, topic, consumerGroup);
        Own(subscription);
        return subscription;
    }

    /// <summary>Asks the cluster for its metadata, waiting at most Kafka:ConnectTimeoutMs: a process pointed at a wrong or
    /// stopped broker then stops at its start with a message naming the servers, instead of every client retrying for
    /// ever while the stages wait.</summary>
    public void EnsureReachable()
    {
        var timeout = TimeSpan.FromMilliseconds(Options.ConnectTimeoutMs);
        using var admin = new DependentAdminClientBuilder(Producer.Handle).Build();
        try
        {
            admin.GetMetadata(timeout);
        }
        catch (KafkaException ex)
        {
            throw new KafkaException(new Error(ex.Error.Code,
                $"no broker answered at {Options.BootstrapServers} within {timeout.TotalSeconds:0.#} s ({ex.Error.Reason}): is Kafka running there, and is Kafka:BootstrapServers (--bootstrap) right?"), ex);
        }
    }

    /// <summary>Partitions of a topic, from the cluster's metadata.</summary>
    internal int PartitionCount(string topic)
    {
        using var admin = new DependentAdminClientBuilder(Producer.Handle).Build();
        var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(10));
        var entry = metadata.Topics.FirstOrDefault(t => t.Topic == topic);
        return entry is { Error.IsError: false, Partitions.Count: > 0 } ? entry.Partitions.Count
            : throw new InvalidOperationException($"Topic '{topic}' has no partitions on {Options.BootstrapServers} ({entry?.Error.Reason ?? "no metadata"}).");
    }

    private void Own(IAsyncDisposable item)
    {
        lock (_sync)
            _owned.Add(item);
    }

    public async ValueTask DisposeAsync()
    {
        List<IAsyncDisposable> owned;
        lock (_sync)
        {
            owned = [.. _owned];
            _owned.Clear();
        }
        foreach (var item in owned)
            await item.DisposeAsync().ConfigureAwait(false);
        Producer.Flush(TimeSpan.FromSeconds(10));
        Producer.Dispose();
    }
}
