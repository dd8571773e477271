using UniHCP.Pipeline.Transport.Kafka;

namespace UniHCP.Pipeline.Kafka.Tests;

/// <summary>A real Kafka wire-protocol broker for a test class: librdkafka's mock cluster on 127.0.0.1.</summary>
public sealed class KafkaBroker : IDisposable
{
    private readonly MockKafkaCluster _cluster = new(brokers: 3);

    public string BootstrapServers => _cluster.BootstrapServers;

    /// <summary>A topic (and its dead-letter topic) with a name no other test uses.</summary>
    public string NewTopic(int partitions = 4)
    {
        string name = "t" + Guid.NewGuid().ToString("N")[..10];
        _cluster.CreateTopic(name, partitions);
        _cluster.CreateTopic(name + ".dlq", 1);
        return name;
    }

    public KafkaTransport Transport(string? runId = null) =>
        new(new KafkaTransportOptions { BootstrapServers = BootstrapServers, RunId = runId ?? Guid.NewGuid().ToString("N"), EndLingerMs = 0 });

    public void Dispose() => _cluster.Dispose();
}
