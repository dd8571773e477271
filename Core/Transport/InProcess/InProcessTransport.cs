using System.Collections.Concurrent;
using UniHCP.Pipeline.Core.Events;

namespace UniHCP.Pipeline.Core.Transport.InProcess;

/// <summary>
/// The embedded transport: all stages in one process, joined by bounded per-camera queues.
/// Back-pressure by waiting (lossless) or by dropping a camera's oldest event (live sources);
/// completion and producer errors flow to every consumer group.
/// </summary>
public sealed class InProcessTransport : IMessageTransport
{
    private readonly ConcurrentDictionary<string, IInProcessTopic> _topics = new(StringComparer.Ordinal);
    private readonly InProcessTransportOptions _options;
    private readonly TransportMetrics _metrics;

    public InProcessTransport(InProcessTransportOptions? options = null, System.Diagnostics.Metrics.IMeterFactory? meters = null)
    {
        _options = options ?? new InProcessTransportOptions();
        _options.Validate();
        _metrics = new TransportMetrics(meters);
    }

    public string Name => "in-process";

    public ITopicPublisher<T> CreatePublisher<T>(Topic<T> topic) where T : class, ICameraEvent =>
        GetTopic(topic).CreatePublisher();

    public ITopicSubscription<T> Subscribe<T>(Topic<T> topic, string consumerGroup) where T : class, ICameraEvent =>
        GetTopic(topic).Subscribe(consumerGroup);

    /// <summary>Per-camera queue counters of every topic and group.</summary>
    public IReadOnlyList<LaneStatistics> GetStatistics() =>
        _topics.Values.SelectMany(topic => topic.Statistics()).ToList();

    public ValueTask DisposeAsync()
    {
        // Release any writer still waiting for a reader that will never come.
        foreach (var topic in _topics.Values)
            topic.DetachAll();
        return ValueTask.CompletedTask;
    }

    private InProcessTopic<T> GetTopic<T>(Topic<T> topic) where T : class, ICameraEvent
    {
        ArgumentNullException.ThrowIfNull(topic);
        var entry = _topics.GetOrAdd(topic.Name, _ => new InProcessTopic<T>(topic, _options.CapacityFor(topic.Name), _metrics));
        return entry as InProcessTopic<T>
            ?? throw new InvalidOperationException(
                $"Topic '{topic.Name}' carries {entry.EventType.Name}, not {typeof(T).Name}.");
    }
}
