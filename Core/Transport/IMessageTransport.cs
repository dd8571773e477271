using UniHCP.Pipeline.Core.Events;

namespace UniHCP.Pipeline.Core.Transport;

/// <summary>
/// The only way stages talk to each other. Stage code depends on this interface and never on
/// which implementation (in-process channels or Kafka) carries its messages.
/// </summary>
public interface IMessageTransport : IAsyncDisposable
{
    /// <summary>A short name for logs and summaries, e.g. "in-process" or "kafka".</summary>
    string Name { get; }

    ITopicPublisher<T> CreatePublisher<T>(Topic<T> topic) where T : class, ICameraEvent;

    /// <summary>
    /// Joins <paramref name="consumerGroup"/> on the topic. Every group receives every message;
    /// within a group the messages are shared among its members.
    /// </summary>
    ITopicSubscription<T> Subscribe<T>(Topic<T> topic, string consumerGroup) where T : class, ICameraEvent;
}
