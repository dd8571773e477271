using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Confluent.Kafka;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Transport;

namespace UniHCP.Pipeline.Transport.Kafka;

/// <summary>
/// A consumer group member on one Kafka topic. A dedicated thread polls the broker (the consumer is not
/// thread-safe) and hands deliveries over a small channel. Offsets are stored only on
/// <see cref="Acknowledge"/>, as the highest acknowledged offset + 1 per partition, and committed in the
/// background and on dispose: after a crash the group resumes after the last acknowledged message. A message that
/// cannot be read goes to the dead-letter topic with the reason, and its offset moves on.
/// </summary>
internal sealed class KafkaTopicSubscription<T> : ITopicSubscription<T> where T : class, ICameraEvent
{
    private readonly KafkaTransport _transport;
    private readonly Topic<T> _topic;
    private readonly IConsumer<string, byte[]> _consumer;
    private readonly Channel<Delivery<T>> _deliveries = Channel.CreateBounded<Delivery<T>>(new BoundedChannelOptions(64) { SingleWriter = true });
    private readonly Dictionary<int, HashSet<string>> _completions = [];
    private readonly Dictionary<int, long> _stored = [];
    private readonly HashSet<int> _assigned = [];
    private readonly Lock _sync = new();
    private readonly CancellationTokenSource _stop = new();
    private Thread? _poller;
    private Exception? _fault;

    public KafkaTopicSubscription(KafkaTransport transport, Topic<T> topic, string consumerGroup)
    {
        _transport = transport;
        _topic = topic;
        ConsumerGroup = consumerGroup;
        _consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = transport.Options.BootstrapServers,
            ClientId = transport.Options.ClientId,
            GroupId = consumerGroup,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = true,
            AutoCommitIntervalMs = 1000,
            EnableAutoOffsetStore = false,
            SessionTimeoutMs = transport.Options.SessionTimeoutMs,
            HeartbeatIntervalMs = Math.Max(100, transport.Options.SessionTimeoutMs / 6),
            FetchMaxBytes = Math.Max(transport.Options.MaxMessageBytes, 52_428_800),
            MaxPartitionFetchBytes = transport.Options.MaxMessageBytes,
            // A frame waiting for the broker's long poll is a frame late: ask often (the default 500 ms is for batch jobs).
            FetchWaitMaxMs = 20,
        })
            .SetPartitionsAssignedHandler((_, partitions) =>
            {
                lock (_sync)
                    _assigned.UnionWith(partitions.Select(p => p.Partition.Value));
                KafkaLog.Assigned(transport.Logger, consumerGroup, topic.Name, string.Join(",", partitions.Select(p => p.Partition.Value)));
            })
            .SetPartitionsRevokedHandler((_, partitions) =>
            {
                lock (_sync)
                    _assigned.ExceptWith(partitions.Select(p => p.Partition.Value));
                KafkaLog.Revoked(transport.Logger, consumerGroup, topic.Name, string.Join(",", partitions.Select(p => p.Partition.Value)));
            })
            .SetErrorHandler((consumer, error) => KafkaLog.Error(transport.Logger, transport.Throttle, consumer.Name, error.Code, error.Reason, error.IsFatal))
            .SetLogHandler((_, message) => KafkaLog.Log(transport.Logger, transport.Throttle, message))
            .SetOffsetsCommittedHandler((_, committed) =>
            {
                if (committed.Error.IsError)
                    KafkaLog.CommitFailed(transport.Logger, consumerGroup, topic.Name, committed.Error.Reason);
            })
            .Build();
        _consumer.Subscribe(topic.Name);
    }

    public string TopicName => _topic.Name;

    public string ConsumerGroup { get; }

    public bool IsAssigned
    {
        get
        {
            lock (_sync)
                return _assigned.Count > 0;
        }
    }

    public async IAsyncEnumerable<Delivery<T>> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        lock (_sync)
        {
            if (_poller is not null)
                throw new InvalidOperationException($"Topic '{TopicName}' is already being read by this subscription.");
            _poller = new Thread(Poll) { IsBackground = true, Name = $"kafka {TopicName} ({ConsumerGroup})" };
            _poller.Start();
        }
        await foreach (var delivery in _deliveries.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            yield return delivery;
        if (_fault is not null)
            throw new TopicFaultedException(TopicName, _fault);
    }

    public void Acknowledge(in Delivery<T> delivery)
    {
        long next = delivery.Offset + 1;
        lock (_sync)
        {
            // Offsets only move forward: storing N+1 declares everything up to N handled.
            if (_stored.TryGetValue(delivery.Partition, out long stored) && stored >= next)
                return;
            _stored[delivery.Partition] = next;
        }
        try
        {
            _consumer.StoreOffset(new TopicPartitionOffset(TopicName, delivery.Partition, next));
        }
        catch (KafkaException ex) when (ex.Error.Code == ErrorCode.Local_State)
        {
            // The partition moved to another member meanwhile; that member re-delivers from the last commit.
        }
    }

    private void Poll()
    {
        var token = _stop.Token;
        // A member whose partitions are all complete stays one session timeout longer before it ends: a member
        // that died just before has partitions that the group hands over only after that timeout.
        var linger = TimeSpan.FromMilliseconds(_transport.Options.EndLingerMs ?? (_transport.Options.SessionTimeoutMs + 1000));
        long? completeSince = null;
        try
        {
            while (!token.IsCancellationRequested)
            {
                var result = _consumer.Consume(TimeSpan.FromMilliseconds(200));
                if (result?.Message is not null)
                    Handle(result, token);
                if (!AllAssignedComplete())
                    completeSince = null;
                else if (completeSince is null)
                    completeSince = System.Diagnostics.Stopwatch.GetTimestamp();
                else if (System.Diagnostics.Stopwatch.GetElapsedTime(completeSince.Value) >= linger)
                    break;
            }
            _deliveries.Writer.TryComplete();
        }
        catch (OperationCanceledException)
        {
            _deliveries.Writer.TryComplete();
        }
        catch (Exception ex)
        {
            _deliveries.Writer.TryComplete(ex); // broker or consumer failure: the stage sees it and stops with the reason
        }
    }

    private void Handle(ConsumeResult<string, byte[]> result, CancellationToken token)
    {
        var headers = result.Message.Headers;
        int partition = result.Partition.Value;
        string? kind = WireHeaders.Get(headers, WireHeaders.Kind);
        string? schema = WireHeaders.Get(headers, WireHeaders.Schema);
        if (schema != EventCodec.SchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            DeadLetter(result, $"unknown schema version '{schema ?? "(none)"}' (this program reads {EventCodec.SchemaVersion})");
            return;
        }
        if (kind == "complete")
        {
            Completed(partition, headers);
            return;
        }
        Delivery<T> delivery;
        try
        {
            delivery = kind switch
            {
                "event" => Delivery<T>.ForEvent(_transport.Codec.Decode<T>(result.Message.Value), partition, result.Offset.Value),
                "notice" => Delivery<T>.ForNotice(_transport.Codec.Decode<CameraNotice>(result.Message.Value), partition, result.Offset.Value),
                _ => throw new InvalidDataException($"unknown message kind '{kind ?? "(none)"}'"),
            };
            if (delivery.CameraId != result.Message.Key)
                throw new InvalidDataException($"the key '{result.Message.Key}' is not the message's camera '{delivery.CameraId}'");
        }
        catch (InvalidDataException ex)
        {
            DeadLetter(result, ex.Message);
            return;
        }
        _deliveries.Writer.WriteAsync(delivery, token).AsTask().GetAwaiter().GetResult();
    }

    /// <summary>True when every publisher of the run has completed every partition assigned to this member.</summary>
    private bool AllAssignedComplete()
    {
        lock (_sync)
            return _assigned.Count > 0 && _assigned.All(p => _completions.TryGetValue(p, out var done) && done.Count >= _transport.Options.PublishersPerTopic);
    }

    private void Completed(int partition, Headers headers)
    {
        string? run = WireHeaders.Get(headers, WireHeaders.Run);
        string prefix = _transport.Options.RunId + "/";
        if (run is null || !run.StartsWith(prefix, StringComparison.Ordinal))
            return; // another run's marker (an earlier run on the same topic): not ours to end on
        if (WireHeaders.Get(headers, WireHeaders.Error) is { } error)
            _fault ??= new InvalidOperationException(error);
        lock (_sync)
        {
            if (!_completions.TryGetValue(partition, out var publishers))
                _completions[partition] = publishers = [];
            publishers.Add(run);
        }
    }

    private void DeadLetter(ConsumeResult<string, byte[]> result, string reason)
    {
        var headers = new Headers();
        foreach (var header in result.Message.Headers ?? [])
            headers.Add(header.Key, header.GetValueBytes());
        WireHeaders.Set(headers, WireHeaders.Error, $"{reason} (from {result.TopicPartitionOffset})");
        KafkaLog.DeadLetter(_transport.Logger, result.TopicPartitionOffset.ToString(), result.Message.Key, TopicName + _transport.Options.DeadLetterSuffix, reason);
        _transport.Producer.Produce(TopicName + _transport.Options.DeadLetterSuffix, new Message<string, byte[]> { Key = result.Message.Key, Value = result.Message.Value, Headers = headers });
        // Not acknowledged here: storing its offset now would also declare the deliveries before it handled. The
        // acknowledgement of the next message covers it.
        _transport.Producer.Flush(TimeSpan.FromSeconds(10));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _poller?.Join();
        try
        {
            _consumer.Commit(); // what was acknowledged
        }
        catch (KafkaException ex) when (ex.Error.Code == ErrorCode.Local_NoOffset)
        {
            // Nothing acknowledged since the last commit.
        }
        catch (KafkaException ex)
        {
            // The group is gone or the broker unreachable: the next member resumes from the last commit.
            KafkaLog.CommitFailed(_transport.Logger, ConsumerGroup, TopicName, ex.Error.Reason);
        }
        _consumer.Close();
        _consumer.Dispose();
        _stop.Dispose();
    }
}
