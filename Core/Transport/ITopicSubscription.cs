using UniHCP.Pipeline.Core.Events;

namespace UniHCP.Pipeline.Core.Transport;

/// <summary>
/// A consumer group's reader of one topic. Each camera's messages arrive in publish order.
/// </summary>
public interface ITopicSubscription<T> : IAsyncDisposable where T : class, ICameraEvent
{
    string TopicName { get; }

    string ConsumerGroup { get; }

    /// <summary>True when the group has given this member partitions to read (in-process: always). A member of a group
    /// with more members than partitions may have none, and then reads nothing.</summary>
    bool IsAssigned => true;

    /// <summary>
    /// Reads until every publisher has completed and everything queued was delivered; then ends,
    /// or throws <see cref="TopicFaultedException"/> when a publisher completed with an error.
    /// Cancelling stops reading at once; to drain, cancel the producers instead and let completion flow.
    /// </summary>
    IAsyncEnumerable<Delivery<T>> ReadAllAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Marks a delivery as fully handled (its downstream effect is durable). Durable transports
    /// resume after the last acknowledged offset of each partition; the in-process transport has
    /// nothing to resume and ignores it. Stage code always calls it.
    /// </summary>
    void Acknowledge(in Delivery<T> delivery);
}
