namespace UniHCP.Pipeline.Core.Transport.InProcess;

/// <summary>Sizes of the in-process queues.</summary>
public sealed class InProcessTransportOptions
{
    /// <summary>
    /// Messages queued per camera per consumer group before a publish waits (or drops the oldest).
    /// Default 16: at 768x576 RGB that bounds one camera's frame queue to about 21 MB.
    /// </summary>
    public int DefaultLaneCapacity { get; set; } = 16;

    /// <summary>Per-topic overrides of <see cref="DefaultLaneCapacity"/>, by topic name.</summary>
    public Dictionary<string, int> LaneCapacities { get; } = new(StringComparer.Ordinal);

    internal int CapacityFor(string topicName) =>
        LaneCapacities.TryGetValue(topicName, out int capacity) ? capacity : DefaultLaneCapacity;

    /// <summary>Throws naming the bad setting.</summary>
    public void Validate()
    {
        if (DefaultLaneCapacity < 1)
            throw new ArgumentException($"In-process transport: DefaultLaneCapacity must be at least 1 (got {DefaultLaneCapacity}).");
        foreach (var (topic, capacity) in LaneCapacities)
        {
            if (capacity < 1)
                throw new ArgumentException($"In-process transport: lane capacity of topic '{topic}' must be at least 1 (got {capacity}).");
        }
    }
}
