using System.Runtime.InteropServices;
using System.Text;

namespace UniHCP.Pipeline.Transport.Kafka;

/// <summary>
/// librdkafka's mock cluster: brokers in this process that speak the real Kafka wire protocol on 127.0.0.1, for
/// tests and single-host trials (`--bootstrap mock`). In memory only, about 5 MB kept per partition; topics are
/// created here (it has no CreateTopics admin call) or on first produce.
/// </summary>
public sealed class MockKafkaCluster : IDisposable
{
    private delegate IntPtr ConfNew();
    private delegate int ConfSet(IntPtr conf, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, StringBuilder error, UIntPtr errorSize);
    private delegate IntPtr KafkaNew(int type, IntPtr conf, StringBuilder error, UIntPtr errorSize);
    private delegate IntPtr MockClusterNew(IntPtr kafka, int brokers);
    private delegate IntPtr MockClusterBootstraps(IntPtr cluster);
    private delegate int MockTopicCreate(IntPtr cluster, [MarshalAs(UnmanagedType.LPUTF8Str)] string topic, int partitions, int replication);
    private delegate void MockClusterDestroy(IntPtr cluster);
    private delegate void KafkaDestroy(IntPtr kafka);

    private readonly IntPtr _kafka;
    private IntPtr _cluster;

    public MockKafkaCluster(int brokers = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokers, 1);
        var error = new StringBuilder(512);
        var conf = Librdkafka.Function<ConfNew>("rd_kafka_conf_new")();
        // This handle only hosts the cluster and never connects: silence its "no bootstrap.servers" notice.
        Librdkafka.Function<ConfSet>("rd_kafka_conf_set")(conf, "log_level", "3", error, (UIntPtr)error.Capacity);
        _kafka = Librdkafka.Function<KafkaNew>("rd_kafka_new")(0, conf, error, (UIntPtr)error.Capacity);
        if (_kafka == IntPtr.Zero)
            throw new InvalidOperationException("librdkafka could not create the mock cluster's client: " + error);
        _cluster = Librdkafka.Function<MockClusterNew>("rd_kafka_mock_cluster_new")(_kafka, brokers);
        if (_cluster == IntPtr.Zero)
        {
            Librdkafka.Function<KafkaDestroy>("rd_kafka_destroy")(_kafka);
            throw new InvalidOperationException("librdkafka could not start a mock cluster.");
        }
        BootstrapServers = Marshal.PtrToStringUTF8(Librdkafka.Function<MockClusterBootstraps>("rd_kafka_mock_cluster_bootstraps")(_cluster))
            ?? throw new InvalidOperationException("The mock cluster reported no bootstrap servers.");
    }

    /// <summary>"127.0.0.1:port[,...]".</summary>
    public string BootstrapServers { get; }

    public void CreateTopic(string name, int partitions)
    {
        ObjectDisposedException.ThrowIf(_cluster == IntPtr.Zero, this);
        int error = Librdkafka.Function<MockTopicCreate>("rd_kafka_mock_topic_create")(_cluster, name, partitions, 1);
        if (error != 0)
            throw new InvalidOperationException($"The mock cluster could not create topic '{name}' (librdkafka error {error}).");
    }

    public void Dispose()
    {
        if (_cluster == IntPtr.Zero)
            return;
        Librdkafka.Function<MockClusterDestroy>("rd_kafka_mock_cluster_destroy")(_cluster);
        Librdkafka.Function<KafkaDestroy>("rd_kafka_destroy")(_kafka);
        _cluster = IntPtr.Zero;
    }
}
