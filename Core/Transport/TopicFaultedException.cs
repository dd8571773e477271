namespace UniHCP.Pipeline.Core.Transport;

/// <summary>A publisher of the topic failed; <see cref="Exception.InnerException"/> is its error.</summary>
public sealed class TopicFaultedException(string topicName, Exception producerError)
    : Exception($"A producer of topic '{topicName}' failed: {producerError.Message}", producerError)
{
    public string TopicName { get; } = topicName;
}
