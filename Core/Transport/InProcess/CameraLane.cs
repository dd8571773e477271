using UniHCP.Pipeline.Core.Events;

namespace UniHCP.Pipeline.Core.Transport.InProcess;

/// <summary>
/// One camera's bounded FIFO towards one consumer group. A small locked queue rather than a
/// System.Threading.Channels channel because drop-oldest must skip notices: an end-of-stream
/// notice must never be the message that is thrown away to make room for a frame.
/// Writers are serialised per camera by the topic, so "wait for room, then enqueue" cannot race
/// with another writer; the reader only ever removes.
/// </summary>
internal sealed class CameraLane<T> where T : class, ICameraEvent
{
    private readonly Lock _sync = new();
    private readonly Queue<Delivery<T>> _items;
    private TaskCompletionSource? _roomAvailable;
    private long _nextOffset;
    private long _dropped;
    private int _maxDepth;
    private bool _detached;

    public CameraLane(string cameraId, int partition, int capacity)
    {
        CameraId = cameraId;
        Partition = partition;
        Capacity = capacity;
        _items = new Queue<Delivery<T>>(Math.Min(capacity, 1024));
    }

    public string CameraId { get; }

    public int Partition { get; }

    public int Capacity { get; }

    public int Depth
    {
        get { lock (_sync) return _items.Count; }
    }

    public long Enqueued => Interlocked.Read(ref _nextOffset);

    public long Dropped => Interlocked.Read(ref _dropped);

    public int MaxDepth
    {
        get { lock (_sync) return _maxDepth; }
    }

    /// <summary>
    /// Completes when the lane can take one message under <paramref name="overflow"/>: when it has
    /// room, or (drop-oldest, non-notice) when it holds an event that may be dropped.
    /// </summary>
    public async ValueTask WaitForRoomAsync(OverflowPolicy overflow, bool isNotice, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (_sync)
            {
                if (_detached || _items.Count < Capacity)
                    return;
                if (overflow == OverflowPolicy.DropOldest && !isNotice && HasDroppableEvent())
                    return;
                _roomAvailable ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _roomAvailable.Task;
            }
            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Adds a message after <see cref="WaitForRoomAsync"/>; makes room by dropping the oldest event
    /// when needed. Returns the number of events dropped (0 or 1).
    /// </summary>
    public int Enqueue(T? @event, CameraNotice? notice)
    {
        lock (_sync)
        {
            if (_detached)
                return 0;
            int dropped = 0;
            if (_items.Count >= Capacity)
            {
                if (notice is not null || !RemoveOldestEvent())
                    throw new InvalidOperationException($"Lane of camera '{CameraId}' is full; the caller did not wait for room.");
                dropped = 1;
                _dropped++;
            }
            long offset = _nextOffset++;
            _items.Enqueue(notice is not null
                ? Delivery<T>.ForNotice(notice, Partition, offset)
                : Delivery<T>.ForEvent(@event!, Partition, offset));
            _maxDepth = Math.Max(_maxDepth, _items.Count);
            return dropped;
        }
    }

    public bool TryDequeue(out Delivery<T> delivery)
    {
        TaskCompletionSource? wake = null;
        lock (_sync)
        {
            if (!_items.TryDequeue(out delivery))
                return false;
            wake = _roomAvailable;
            _roomAvailable = null;
        }
        wake?.TrySetResult();
        return true;
    }

    /// <summary>The consumer left: drop what is queued and never block a writer again.</summary>
    public void Detach()
    {
        TaskCompletionSource? wake;
        lock (_sync)
        {
            _detached = true;
            _items.Clear();
            wake = _roomAvailable;
            _roomAvailable = null;
        }
        wake?.TrySetResult();
    }

    private bool HasDroppableEvent()
    {
        foreach (var item in _items)
        {
            if (!item.IsNotice)
                return true;
        }
        return false;
    }

    // Removes the oldest event, keeping every notice in place. The head is an event in all but
    // pathological cases; otherwise the queue is rotated once (O(capacity)).
    private bool RemoveOldestEvent()
    {
        if (_items.TryPeek(out var head) && !head.IsNotice)
        {
            _items.Dequeue();
            return true;
        }
        int count = _items.Count;
        bool removed = false;
        for (int i = 0; i < count; i++)
        {
            var item = _items.Dequeue();
            if (!removed && !item.IsNotice)
            {
                removed = true;
                continue;
            }
            _items.Enqueue(item);
        }
        return removed;
    }
}
