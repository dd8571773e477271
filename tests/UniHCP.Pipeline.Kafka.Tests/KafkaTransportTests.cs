using Microsoft.Extensions.Logging;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Transport;
using UniHCP.Pipeline.Transport.Kafka;

namespace UniHCP.Pipeline.Kafka.Tests;

/// <summary>The Kafka transport against librdkafka's mock cluster (the real wire protocol over TCP).</summary>
public sealed class KafkaTransportTests(KafkaBroker broker) : IClassFixture<KafkaBroker>
{
    private static readonly EventCodec Codec = new();

    [Fact]
    public async Task Every_event_type_and_notices_make_the_round_trip_unchanged()
    {
        string run = Guid.NewGuid().ToString("N");
        await RoundTripAsync(new Topic<VideoFrame>(broker.NewTopic()), run, SampleEvents.Frame("cam-a", 3));
        await RoundTripAsync(new Topic<PersonObservations>(broker.NewTopic()), run, SampleEvents.Observations("cam-a", 3));
        await RoundTripAsync(new Topic<TrackUpdate>(broker.NewTopic()), run, SampleEvents.Update("cam-a", 3));
        await RoundTripAsync(new Topic<IdentityEvent>(broker.NewTopic()), run, SampleEvents.Identity("cam-a", 7));
    }

    [Fact]
    public async Task Each_cameras_messages_arrive_in_order_across_partitions()
    {
        var topic = new Topic<PersonObservations>(broker.NewTopic(partitions: 4));
        string[] cameras = ["north", "south", "east", "west", "lobby", "door"];
        await using (var transport = broker.Transport("order"))
        {
            var publisher = transport.CreatePublisher(topic);
            // Interleaved across cameras, as several ingest lanes would publish.
            for (int sequence = 0; sequence < 40; sequence++)
            {
                foreach (string camera in cameras)
                    await publisher.PublishAsync(SampleEvents.Observations(camera, sequence) with { Persons = [] }, OverflowPolicy.Wait, CancellationToken.None);
            }
            publisher.Complete();
        }

        await using var reader = broker.Transport("order");
        var subscription = reader.Subscribe(topic, "order-check");
        var seen = new Dictionary<string, List<long>>();
        var partitions = new Dictionary<string, HashSet<int>>();
        await foreach (var delivery in subscription.ReadAllAsync(Timeout()))
        {
            seen.TryAdd(delivery.CameraId, []);
            partitions.TryAdd(delivery.CameraId, []);
            seen[delivery.CameraId].Add(delivery.Event!.FrameSequence);
            partitions[delivery.CameraId].Add(delivery.Partition);
            subscription.Acknowledge(delivery);
        }

        Assert.Equal(cameras.Order(), seen.Keys.Order());
        Assert.All(seen.Values, sequences => Assert.Equal(Enumerable.Range(0, 40).Select(i => (long)i), sequences));
        Assert.All(partitions.Values, p => Assert.Single(p)); // one camera, one partition
        Assert.True(partitions.Values.Select(p => p.Single()).Distinct().Count() > 1, "the cameras spread over several partitions");
    }

    [Fact]
    public async Task A_poison_message_goes_to_the_dead_letter_topic_with_its_reason_and_the_rest_is_delivered()
    {
        string name = broker.NewTopic(partitions: 1);
        var topic = new Topic<IdentityEvent>(name);
        await using (var transport = broker.Transport("poison"))
        {
            var publisher = transport.CreatePublisher(topic);
            await publisher.PublishAsync(SampleEvents.Identity("cam-a", 1), OverflowPolicy.Wait, CancellationToken.None);
            await ProduceRawAsync(name, "cam-a", [1, 2, 3], ("unihcp-schema", EventCodec.SchemaVersion.ToString(CultureInfo.InvariantCulture)), ("unihcp-kind", "event")); // truncated
            await ProduceRawAsync(name, "cam-a", [0], ("unihcp-schema", "99"), ("unihcp-kind", "event"));        // from the future
            await publisher.PublishAsync(SampleEvents.Identity("cam-a", 2), OverflowPolicy.Wait, CancellationToken.None);
            publisher.Complete();
        }

        var log = new CollectingLogger();
        await using var reader = new KafkaTransport(new KafkaTransportOptions { BootstrapServers = broker.BootstrapServers, RunId = "poison", EndLingerMs = 0 }, logger: log);
        var subscription = reader.Subscribe(topic, "poison-check");
        var tracks = new List<long>();
        await foreach (var delivery in subscription.ReadAllAsync(Timeout()))
        {
            tracks.Add(delivery.Event!.TrackId);
            subscription.Acknowledge(delivery);
        }

        Assert.Equal([1L, 2L], tracks);
        var dead = ReadAll(name + ".dlq", 2);
        Assert.Contains(dead, m => Reason(m).Contains("Not a valid IdentityEvent", StringComparison.Ordinal));
        Assert.Contains(dead, m => Reason(m).Contains("unknown schema version '99'", StringComparison.Ordinal));
        // Neither passes silently: each dead letter is logged with its reason, and the group's assignment is logged too.
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("Not a valid IdentityEvent", StringComparison.Ordinal) && e.Message.Contains(name + ".dlq", StringComparison.Ordinal));
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("unknown schema version '99'", StringComparison.Ordinal));
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Information && e.Message.Contains("partitions assigned", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_consumer_that_stops_resumes_after_the_last_acknowledged_message_and_loses_nothing()
    {
        var topic = new Topic<TrackUpdate>(broker.NewTopic(partitions: 2));
        await using (var transport = broker.Transport("resume"))
        {
            var publisher = transport.CreatePublisher(topic);
            for (int i = 0; i < 20; i++)
                await publisher.PublishAsync(SampleEvents.Update("cam-a", i), OverflowPolicy.Wait, CancellationToken.None);
            publisher.Complete();
        }

        var first = new List<long>();
        await using (var reader = broker.Transport("resume"))
        {
            var subscription = reader.Subscribe(topic, "resume-group");
            await foreach (var delivery in subscription.ReadAllAsync(Timeout()))
            {
                first.Add(delivery.Event!.FrameSequence);
                if (first.Count <= 8)
                    subscription.Acknowledge(delivery); // 8 handled; the process "dies" while the 9th is in flight
                if (first.Count == 9)
                    break;
            }
        }
        var second = new List<long>();
        await using (var reader = broker.Transport("resume"))
        {
            var subscription = reader.Subscribe(topic, "resume-group");
            await foreach (var delivery in subscription.ReadAllAsync(Timeout()))
            {
                second.Add(delivery.Event!.FrameSequence);
                subscription.Acknowledge(delivery);
            }
        }

        Assert.Equal(Enumerable.Range(8, 12).Select(i => (long)i), second); // from the 9th on: nothing lost, nothing handled twice
    }

    private async Task RoundTripAsync<T>(Topic<T> topic, string run, T message) where T : class, ICameraEvent
    {
        await using (var transport = broker.Transport(run))
        {
            var publisher = transport.CreatePublisher(topic);
            await publisher.PublishAsync(message, OverflowPolicy.Wait, CancellationToken.None);
            await publisher.PublishNoticeAsync(SampleEvents.Notice(message.CameraId), CancellationToken.None);
            publisher.Complete();
        }
        await using var reader = broker.Transport(run);
        var subscription = reader.Subscribe(topic, "round-trip");
        var deliveries = new List<Delivery<T>>();
        await foreach (var delivery in subscription.ReadAllAsync(Timeout()))
        {
            deliveries.Add(delivery);
            subscription.Acknowledge(delivery);
        }
        Assert.Equal(2, deliveries.Count);
        Assert.Equal(Codec.Encode(message), Codec.Encode(deliveries[0].Event!));
        Assert.Equal(SampleEvents.Notice(message.CameraId), deliveries[1].Notice);
    }

    private async Task ProduceRawAsync(string topic, string key, byte[] value, params (string Key, string Value)[] headers)
    {
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = broker.BootstrapServers }).Build();
        var h = new Headers();
        foreach (var (k, v) in headers)
            h.Add(k, Encoding.UTF8.GetBytes(v));
        await producer.ProduceAsync(topic, new Message<string, byte[]> { Key = key, Value = value, Headers = h });
    }

    private List<Message<string, byte[]>> ReadAll(string topic, int count)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            GroupId = "dlq-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Subscribe(topic);
        var messages = new List<Message<string, byte[]>>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (messages.Count < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { Message: { } message })
                messages.Add(message);
        }
        consumer.Close();
        return messages;
    }

    private static string Reason(Message<string, byte[]> message) =>
        message.Headers.TryGetLastBytes("unihcp-error", out byte[] value) ? Encoding.UTF8.GetString(value) : "";

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;
}
