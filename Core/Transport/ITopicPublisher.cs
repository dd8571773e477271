using UniHCP.Pipeline.Core.Events;

namespace UniHCP.Pipeline.Core.Transport;

/// <summary>
/// Writes to one topic. Thread-safe. A topic's subscribers see the end of the stream when every
/// publisher created for the topic has completed, and see the error when one completed with one.
/// Disposing a publisher that was not completed completes it without error.
/// </summary>
public interface ITopicPublisher<in T> : IAsyncDisposable where T : class, ICameraEvent
{
    /// <summary>
    /// Publishes an event under its camera's key. Returns when the transport has accepted it
    /// (in-process: queued for every consumer group; Kafka: acknowledged by the broker).
    /// Cancellation while waiting for room leaves the event unpublished for every group.
    /// </summary>
    ValueTask PublishAsync(T message, OverflowPolicy overflow, CancellationToken cancellationToken);

    /// <summary>Publishes a notice in order with the camera's events; notices are never dropped.</summary>
    ValueTask PublishNoticeAsync(CameraNotice notice, CancellationToken cancellationToken);

    /// <summary>Declares that this publisher publishes nothing more. A non-null <paramref name="error"/>
    /// means the producing stage failed: subscribers receive what was queued, then the error.</summary>
    void Complete(Exception? error = null);
}
