using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using UniHCP.Pipeline.Core.Events;

namespace UniHCP.Pipeline.Core.Transport.InProcess;

/// <summary>Untyped view of a topic for the transport's bookkeeping.</summary>
internal interface IInProcessTopic
{
    Type EventType { get; }

    IEnumerable<LaneStatistics> Statistics();

    void DetachAll();
}

/// <summary>
/// One topic: its consumer groups (fixed once publishing starts), its open publishers and a
/// per-camera gate that makes each publish atomic across groups.
/// </summary>
internal sealed class InProcessTopic<T> : IInProcessTopic where T : class, ICameraEvent
{
    private readonly Lock _sync = new();
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _cameraGates = new(StringComparer.Ordinal);
    private readonly int _capacity;
    private ImmutableArray<ConsumerGroupQueue<T>> _groups = [];
    private bool _publishingStarted;
    private int _openPublishers;
    private bool _completed;
    private Exception? _error;

    private readonly TransportMetrics _metrics;

    public InProcessTopic(Topic<T> topic, int capacity, TransportMetrics metrics)
    {
        Topic = topic;
        _capacity = capacity;
        _metrics = metrics;
    }

    public Topic<T> Topic { get; }

    public Type EventType => typeof(T);

    public ITopicPublisher<T> CreatePublisher()
    {
        lock (_sync)
        {
            if (_completed)
                throw new InvalidOperationException($"Topic '{Topic.Name}' has already completed; no new publisher can join it.");
            _openPublishers++;
        }
        return new Publisher(this);
    }

    public ITopicSubscription<T> Subscribe(string group)
    {
        if (string.IsNullOrWhiteSpace(group))
            throw new ArgumentException("Consumer group must be a non-empty name.", nameof(group));
        lock (_sync)
        {
            if (_publishingStarted)
            {
                throw new InvalidOperationException(
                    $"Consumer group '{group}' subscribed to topic '{Topic.Name}' after publishing started; subscribe every consumer before starting producers, or it would miss messages.");
            }
            foreach (var existing in _groups)
            {
                if (existing.Group == group)
                    throw new InvalidOperationException($"Consumer group '{group}' already reads topic '{Topic.Name}'; the in-process transport has one reader per group.");
            }
            var queue = new ConsumerGroupQueue<T>(Topic.Name, group, _capacity);
            _groups = _groups.Add(queue);
            return new Subscription(this, queue);
        }
    }

    public IEnumerable<LaneStatistics> Statistics()
    {
        foreach (var group in _groups)
        {
            foreach (var lane in group.Lanes)
                yield return new LaneStatistics(Topic.Name, group.Group, lane.CameraId, lane.Enqueued, lane.Dropped, lane.Depth, lane.MaxDepth, lane.Capacity);
        }
    }

    public void DetachAll()
    {
        foreach (var group in _groups)
            group.Detach();
    }

    private async ValueTask PublishAsync(T? @event, CameraNotice? notice, OverflowPolicy overflow, CancellationToken cancellationToken)
    {
        string cameraId = notice?.CameraId ?? @event!.CameraId;
        if (!CameraId.IsValid(cameraId))
            CameraId.Validate(cameraId);
        ImmutableArray<ConsumerGroupQueue<T>> groups;
        lock (_sync)
        {
            if (_completed)
            {
                throw _error is null
                    ? new InvalidOperationException($"Topic '{Topic.Name}' has completed; nothing more can be published to it.")
                    : new TopicFaultedException(Topic.Name, _error);
            }
            if (_groups.IsEmpty)
                throw new InvalidOperationException($"Topic '{Topic.Name}' has no consumer group; subscribe consumers before publishing, or messages would be lost.");
            _publishingStarted = true;
            groups = _groups;
        }

        bool isNotice = notice is not null;
        var gate = _cameraGates.GetOrAdd(cameraId, static _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        int dropped = 0;
        try
        {
            // First make sure every group can take the message, then enqueue everywhere without
            // awaiting: a cancelled publish leaves no group with a copy and another without.
            foreach (var group in groups)
            {
                if (!group.IsDetached)
                    await group.LaneFor(cameraId).WaitForRoomAsync(overflow, isNotice, cancellationToken).ConfigureAwait(false);
            }
            foreach (var group in groups)
            {
                if (group.IsDetached)
                    continue;
                dropped += group.LaneFor(cameraId).Enqueue(@event, notice);
                group.SignalAvailable();
            }
        }
        finally
        {
            gate.Release();
        }

        var tags = new TagList { { "topic", Topic.Name }, { "camera", cameraId } };
        _metrics.Published.Add(1, tags);
        if (dropped > 0)
            _metrics.Dropped.Add(dropped, tags);
    }

    private void PublisherCompleted(Exception? error)
    {
        ImmutableArray<ConsumerGroupQueue<T>> groups;
        lock (_sync)
        {
            _openPublishers--;
            if (_completed)
                return;
            if (error is not null)
                _error = error;
            else if (_openPublishers > 0)
                return;
            _completed = true;
            groups = _groups;
        }
        foreach (var group in groups)
            group.Complete(_error);
    }

    private sealed class Publisher(InProcessTopic<T> topic) : ITopicPublisher<T>
    {
        private int _completed;

        public ValueTask PublishAsync(T message, OverflowPolicy overflow, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(message);
            ThrowIfCompleted();
            return topic.PublishAsync(message, null, overflow, cancellationToken);
        }

        public ValueTask PublishNoticeAsync(CameraNotice notice, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(notice);
            ThrowIfCompleted();
            return topic.PublishAsync(null, notice, OverflowPolicy.Wait, cancellationToken);
        }

        public void Complete(Exception? error = null)
        {
            if (Interlocked.Exchange(ref _completed, 1) == 0)
                topic.PublisherCompleted(error);
        }

        public ValueTask DisposeAsync()
        {
            Complete();
            return ValueTask.CompletedTask;
        }

        private void ThrowIfCompleted()
        {
            if (Volatile.Read(ref _completed) != 0)
                throw new InvalidOperationException($"This publisher of topic '{topic.Topic.Name}' has completed.");
        }
    }

    private sealed class Subscription(InProcessTopic<T> topic, ConsumerGroupQueue<T> queue) : ITopicSubscription<T>
    {
        private int _reading;

        public string TopicName => topic.Topic.Name;

        public string ConsumerGroup => queue.Group;

        public IAsyncEnumerable<Delivery<T>> ReadAllAsync(CancellationToken cancellationToken)
        {
            if (Interlocked.Exchange(ref _reading, 1) != 0)
                throw new InvalidOperationException($"Consumer group '{queue.Group}' of topic '{TopicName}' is already being read.");
            return queue.ReadAllAsync(cancellationToken);
        }

        public void Acknowledge(in Delivery<T> delivery)
        {
            // Nothing to do: in-process messages are not retained, so there is no position to resume from.
        }

        public ValueTask DisposeAsync()
        {
            queue.Detach();
            return ValueTask.CompletedTask;
        }
    }
}
