using System.Diagnostics;
using Confluent.Kafka;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Transport;

namespace UniHCP.Pipeline.Transport.Kafka;

/// <summary>Publishes to one Kafka topic; returns once the brokers acknowledged (acks=all) and, with a
/// <see cref="ConsumerLagGate"/>, once the consuming group is close enough behind.</summary>
internal sealed class KafkaTopicPublisher<T>(KafkaTransport transport, Topic<T> topic, ConsumerLagGate? lagGate = null) : ITopicPublisher<T> where T : class, ICameraEvent
{
    private readonly string _id = Guid.NewGuid().ToString("N");
    private int _completed;

    // Kafka keeps every message: there is no queue to drop from, so the overflow policy has nothing to do here
    // (the lag gate, when there is one, always waits).
    public async ValueTask PublishAsync(T message, OverflowPolicy overflow, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ThrowIfCompleted();
        await SendAsync(message, "event", cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask PublishNoticeAsync(CameraNotice notice, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notice);
        ThrowIfCompleted();
        await SendAsync(notice, "notice", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes a completion marker of this run to every partition, so that the run's subscribers end after
    /// what this publisher sent (and learn its error, if it failed).</summary>
    public void Complete(Exception? error = null)
    {
        if (Interlocked.Exchange(ref _completed, 1) == 1)
            return;
        int partitions = transport.PartitionCount(topic.Name);
        for (int p = 0; p < partitions; p++)
        {
            var headers = new Headers();
            WireHeaders.Set(headers, WireHeaders.Schema, EventCodec.SchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
            WireHeaders.Set(headers, WireHeaders.Kind, "complete");
            WireHeaders.Set(headers, WireHeaders.Run, transport.Options.RunId + "/" + _id);
            if (error is not null)
                WireHeaders.Set(headers, WireHeaders.Error, error.Message);
            transport.Producer.Produce(new TopicPartition(topic.Name, p), new Message<string, byte[]> { Key = "", Value = [], Headers = headers });
        }
        transport.Producer.Flush(TimeSpan.FromSeconds(30));
    }

    private async Task SendAsync(ICameraEvent message, string kind, CancellationToken cancellationToken)
    {
        CameraId.Validate(message.CameraId);
        var headers = new Headers();
        WireHeaders.Set(headers, WireHeaders.Schema, EventCodec.SchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
        WireHeaders.Set(headers, WireHeaders.Kind, kind);
        if (Activity.Current?.Id is { } trace)
            WireHeaders.Set(headers, WireHeaders.TraceParent, trace);
        var payload = transport.Codec.Encode(message);
        var delivered = await transport.Producer.ProduceAsync(topic.Name, new Message<string, byte[]> { Key = message.CameraId, Value = payload, Headers = headers }, cancellationToken)
            .ConfigureAwait(false);
        if (lagGate is not null)
            await lagGate.WaitAsync(delivered.Partition.Value, delivered.Offset.Value, cancellationToken).ConfigureAwait(false);
    }

    private void ThrowIfCompleted()
    {
        if (Volatile.Read(ref _completed) == 1)
            throw new InvalidOperationException($"The publisher of topic '{topic.Name}' was completed.");
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            // After one publisher found the brokers gone, the others do not each wait out the metadata timeout again.
            if (transport.BrokersLost)
                KafkaLog.CompleteFailed(transport.Logger, topic.Name, "the brokers did not answer another publisher of this process");
            else
                Complete();
        }
        catch (KafkaException ex)
        {
            // Disposing runs on the way out, also after the broker went away: a dispose that throws would turn an orderly
            // (if incomplete) end into a crash. The subscribers of the run then end by their own stop, not this marker.
            transport.BrokersLost = true;
            KafkaLog.CompleteFailed(transport.Logger, topic.Name, ex.Error.Reason);
        }
        finally
        {
            lagGate?.Dispose();
        }
        return ValueTask.CompletedTask;
    }
}
