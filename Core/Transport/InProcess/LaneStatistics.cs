namespace UniHCP.Pipeline.Core.Transport.InProcess;

/// <summary>Counters of one camera's queue towards one consumer group.</summary>
/// <param name="Topic">Topic name.</param>
/// <param name="ConsumerGroup">Consumer group.</param>
/// <param name="CameraId">Camera.</param>
/// <param name="Enqueued">Messages accepted into the queue (events and notices).</param>
/// <param name="Dropped">Events discarded by <see cref="OverflowPolicy.DropOldest"/>.</param>
/// <param name="Depth">Messages waiting now.</param>
/// <param name="MaxDepth">Highest depth seen.</param>
/// <param name="Capacity">The bound.</param>
public sealed record LaneStatistics(
    string Topic,
    string ConsumerGroup,
    string CameraId,
    long Enqueued,
    long Dropped,
    int Depth,
    int MaxDepth,
    int Capacity);
