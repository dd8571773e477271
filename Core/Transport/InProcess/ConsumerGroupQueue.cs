using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using UniHCP.Pipeline.Core.Events;

namespace UniHCP.Pipeline.Core.Transport.InProcess;

/// <summary>
/// Everything one consumer group of one topic has yet to read: a lane per camera, read round-robin
/// so that one busy camera cannot starve the others.
/// </summary>
internal sealed class ConsumerGroupQueue<T> where T : class, ICameraEvent
{
    private readonly ConcurrentDictionary<string, CameraLane<T>> _lanesByCamera = new(StringComparer.Ordinal);
    private readonly Lock _addLane = new();
    private readonly int _capacity;

    // Wake-up signal for the reader. Writers release it only when it is at zero, so its count stays
    // tiny; the reader always rescans the lanes after waking, so a spare count costs one rescan.
    private readonly SemaphoreSlim _signal = new(0);
    private CameraLane<T>[] _lanes = [];
    private int _nextLane;
    private volatile bool _completed;
    private Exception? _error;
    private volatile bool _detached;

    public ConsumerGroupQueue(string topicName, string group, int capacity)
    {
        TopicName = topicName;
        Group = group;
        _capacity = capacity;
    }

    public string TopicName { get; }

    public string Group { get; }

    public bool IsDetached => _detached;

    public IReadOnlyList<CameraLane<T>> Lanes => Volatile.Read(ref _lanes);

    public CameraLane<T> LaneFor(string cameraId)
    {
        if (_lanesByCamera.TryGetValue(cameraId, out var lane))
            return lane;
        lock (_addLane)
        {
            if (_lanesByCamera.TryGetValue(cameraId, out lane))
                return lane;
            lane = new CameraLane<T>(cameraId, _lanes.Length, _capacity);
            _lanesByCamera[cameraId] = lane;
            Volatile.Write(ref _lanes, [.. _lanes, lane]);
            return lane;
        }
    }

    public void SignalAvailable()
    {
        if (_signal.CurrentCount == 0)
            _signal.Release();
    }

    public void Complete(Exception? error)
    {
        _error = error;
        _completed = true;
        _signal.Release();
    }

    public void Detach()
    {
        _detached = true;
        foreach (var lane in Lanes)
            lane.Detach();
    }

    public async IAsyncEnumerable<Delivery<T>> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Read the flag before scanning: if it was set, every message was enqueued before it,
            // so an empty scan afterwards really means the end.
            bool completed = _completed;
            if (TryTakeNext(out var delivery))
            {
                yield return delivery;
                continue;
            }
            if (completed)
            {
                if (_error is not null)
                    throw new TopicFaultedException(TopicName, _error);
                yield break;
            }
            await _signal.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private bool TryTakeNext(out Delivery<T> delivery)
    {
        var lanes = Volatile.Read(ref _lanes);
        for (int i = 0; i < lanes.Length; i++)
        {
            int index = (_nextLane + i) % lanes.Length;
            if (lanes[index].TryDequeue(out delivery))
            {
                _nextLane = (index + 1) % lanes.Length;
                return true;
            }
        }
        delivery = default;
        return false;
    }
}
