using Confluent.Kafka;

namespace UniHCP.Pipeline.Transport.Kafka;

/// <summary>
/// Bounded lag: a publisher waits while a consumer group's committed offset on the partition it just wrote is
/// more than <see cref="MaxLag"/> messages behind. Kafka itself never pushes back; this gives a finite source
/// (a video file) the same back-pressure the in-process transport's bounded queues give, so that a broker with
/// limited retention (librdkafka's mock cluster keeps 5 MB per partition) loses nothing and memory stays flat.
/// The group's offsets are read with a consumer that never joins the group.
/// </summary>
internal sealed class ConsumerLagGate : IDisposable
{
    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(50);
    private readonly IConsumer<byte[], byte[]> _reader;
    private readonly string _topic;

    public ConsumerLagGate(KafkaTransportOptions options, string topic, string group, int maxLag)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLag, 1);
        _topic = topic;
        Group = group;
        MaxLag = maxLag;
        _reader = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = options.BootstrapServers,
            ClientId = options.ClientId + "-lag",
            GroupId = group,
            EnableAutoCommit = false,
        }).Build();
    }

    public string Group { get; }

    public int MaxLag { get; }

    /// <summary>Returns once the group has committed past <paramref name="offset"/> - <see cref="MaxLag"/> on the partition.</summary>
    public async Task WaitAsync(int partition, long offset, CancellationToken cancellationToken)
    {
        var partitionOfTopic = new TopicPartition(_topic, partition);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // No commit yet reads as offset 0: the group has handled nothing, so the lag is the whole partition.
            long committed = _reader.Committed([partitionOfTopic], TimeSpan.FromSeconds(10))[0].Offset.Value;
            if (offset - Math.Max(committed, 0) < MaxLag)
                return;
            await Task.Delay(s_poll, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        _reader.Close();
        _reader.Dispose();
    }
}
