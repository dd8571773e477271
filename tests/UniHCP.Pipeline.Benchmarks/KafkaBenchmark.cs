using System.Diagnostics;
using System.Globalization;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Transport;
using UniHCP.Pipeline.Core.Transport.InProcess;
using UniHCP.Pipeline.Transport.Kafka;

namespace UniHCP.Pipeline.Benchmarks;

/// <summary>
/// Messages through librdkafka's mock broker (the real wire protocol over TCP on 127.0.0.1, in this process)
/// against the in-process transport, in the same run: throughput of frames and of observation messages
/// (publish and consume concurrently), and the latency a frame gains on its way from publisher to consumer.
/// </summary>
internal static class KafkaBenchmark
{
    private const int Cameras = 4;
    // 160x120 RGB: 57 KB, about what a 768x576 frame weighs as JPEG at quality 90 (what `run --transport kafka` sends).
    // 160 of them stay under the mock broker's ~5 MB per partition even if the consumer lags.
    private const int Frames = 160;
    private const int ObservationMessages = 400; // 5 persons with 1536-d embeddings: ~31 KB each; 3 MB per partition
    private const int LatencyMessages = 200;

    public static async Task<BenchmarkReport> RunAsync(BenchmarkSettings settings)
    {
        var report = new BenchmarkReport(
            "Kafka: transport throughput and added latency",
            $"Frames (160x120 RGB, {FrameBytes / 1024} KB, the size of a 768x576 JPEG frame) and person-observation messages (5 persons with 1536-d embeddings, {ObservationBytes / 1024} KB) from " +
            $"{Cameras} cameras, published and consumed concurrently. Baseline: the in-process transport, same messages, same run. \"Kafka\" is librdkafka's mock " +
            "cluster (3 brokers, 4 partitions, in this process, over TCP on 127.0.0.1) with our producer (idempotent, acks=all) and consumer group; a real cluster " +
            "adds the network and disk.");
        using var broker = new MockKafkaCluster(brokers: 3);
        var cases = new (string Name, string? Baseline, double Items, string Note, Func<Task<(int Received, double Seconds)>> Run)[]
        {
            ("in-process, frames", null, Frames, $"{FrameBytes * Frames / 1e6:0} MB", () => ThroughputAsync(new InProcessTransport(), null, Frame)),
            ("kafka, frames", "in-process, frames", Frames, $"{FrameBytes * Frames / 1e6:0} MB", () => ThroughputAsync(null, broker, Frame)),
            ("in-process, observations", null, ObservationMessages, $"{ObservationBytes * (double)ObservationMessages / 1e6:0} MB", () => ThroughputAsync(new InProcessTransport(), null, Observations)),
            ("kafka, observations", "in-process, observations", ObservationMessages, $"{ObservationBytes * (double)ObservationMessages / 1e6:0} MB", () => ThroughputAsync(null, broker, Observations)),
        };
        var samples = cases.ToDictionary(c => c.Name, _ => new List<double>());
        for (int round = 0; round <= settings.Runs; round++)
        {
            foreach (var c in cases.Where(c => settings.Filter is null || c.Name.Contains(settings.Filter, StringComparison.Ordinal)))
            {
                var (received, seconds) = await c.Run();
                if (received != (int)c.Items)
                    throw new InvalidOperationException($"{c.Name}: {received} of {c.Items} messages arrived");
                if (round > 0) // round 0 warms up
                    samples[c.Name].Add(seconds);
            }
        }
        foreach (var c in cases.Where(c => samples[c.Name].Count > 0))
        {
            double mbPerSecond = double.Parse(c.Note.Split(' ')[0], CultureInfo.InvariantCulture) / samples[c.Name].Order().ElementAt(samples[c.Name].Count / 2);
            report.Add(new BenchmarkCase(c.Name, samples[c.Name], c.Items, "msgs/s", c.Baseline, string.Create(CultureInfo.InvariantCulture, $"{c.Note}, {mbPerSecond:0} MB/s")));
        }

        var local = await LatencyAsync(new InProcessTransport(), null);
        var kafka = await LatencyAsync(null, broker);
        report.Note(string.Create(CultureInfo.InvariantCulture,
            $"Latency of a frame from publish to consume, {LatencyMessages} frames one every 20 ms: in-process p50 {local.P50:0.000} ms, p95 {local.P95:0.000} ms; " +
            $"Kafka p50 {kafka.P50:0.0} ms, p95 {kafka.P95:0.0} ms - Kafka adds {kafka.P50 - local.P50:0.0} ms per frame at the median (producer linger 2 ms, acks=all, consumer poll)."));
        return report;
    }

    private static readonly int FrameBytes = 160 * 120 * 3;
    private static readonly byte[] FramePixels = Enumerable.Range(0, FrameBytes).Select(i => (byte)(i * 7)).ToArray();
    private static readonly float[] Embedding = Enumerable.Range(0, 1536).Select(i => MathF.Sin(i)).ToArray();
    private static readonly int ObservationBytes = new EventCodec().Encode(Observations("c0", 0)).Length;

    private static ICameraEvent Frame(string camera, long sequence) =>
        new VideoFrame(camera, sequence, DateTimeOffset.UtcNow, TimeSpan.FromSeconds(sequence / 10.0), 160, 120, PixelFormat.Rgb24, FramePixels);

    private static ICameraEvent Observations(string camera, long sequence) =>
        new PersonObservations(camera, sequence, DateTimeOffset.UtcNow, 768, 576, "bench",
            Enumerable.Range(0, 5).Select(i => new PersonObservation(i, new BoundingBox(i, 0, i + 10, 40), 0.9f, Embedding: Embedding)).ToList());

    private static async Task<(int, double)> ThroughputAsync(InProcessTransport? local, MockKafkaCluster? broker, Func<string, long, ICameraEvent> make)
    {
        var first = make("c0", 0);
        return first switch
        {
            VideoFrame => await ThroughputAsync<VideoFrame>(local, broker, (c, s) => (VideoFrame)make(c, s), Frames),
            _ => await ThroughputAsync<PersonObservations>(local, broker, (c, s) => (PersonObservations)make(c, s), ObservationMessages),
        };
    }

    private static async Task<(int, double)> ThroughputAsync<T>(InProcessTransport? local, MockKafkaCluster? broker, Func<string, long, T> make, int count) where T : class, ICameraEvent
    {
        var (transport, topic) = Open<T>(local, broker);
        await using (transport)
        {
            var subscription = transport.Subscribe(topic, "bench");
            var publisher = transport.CreatePublisher(topic);
            var consuming = Task.Run(async () =>
            {
                int received = 0;
                await foreach (var delivery in subscription.ReadAllAsync(CancellationToken.None))
                {
                    if (!delivery.IsNotice)
                        received++;
                    subscription.Acknowledge(delivery);
                }
                return received;
            });
            // The consumer joins its group first (seconds on Kafka): timed from the first publish to the last delivery.
            await Task.Delay(TimeSpan.FromSeconds(broker is null ? 0 : 5));
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < count; i++)
                await publisher.PublishAsync(make($"c{i % Cameras}", i / Cameras), OverflowPolicy.Wait, CancellationToken.None);
            publisher.Complete();
            int received = await consuming;
            return (received, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
    }

    private static async Task<(double P50, double P95)> LatencyAsync(InProcessTransport? local, MockKafkaCluster? broker)
    {
        var (transport, topic) = Open<VideoFrame>(local, broker);
        var latencies = new List<double>();
        await using (transport)
        {
            var subscription = transport.Subscribe(topic, "latency");
            var publisher = transport.CreatePublisher(topic);
            var sent = new long[LatencyMessages];
            var consuming = Task.Run(async () =>
            {
                await foreach (var delivery in subscription.ReadAllAsync(CancellationToken.None))
                {
                    if (!delivery.IsNotice)
                        latencies.Add(Stopwatch.GetElapsedTime(sent[delivery.Event!.Sequence]).TotalMilliseconds);
                    subscription.Acknowledge(delivery);
                }
            });
            await Task.Delay(TimeSpan.FromSeconds(broker is null ? 0 : 5)); // let the consumer join its group first
            for (int i = 0; i < LatencyMessages; i++)
            {
                sent[i] = Stopwatch.GetTimestamp();
                await publisher.PublishAsync((VideoFrame)Frame("c0", i), OverflowPolicy.Wait, CancellationToken.None);
                await Task.Delay(20);
            }
            publisher.Complete();
            await consuming;
        }
        var sorted = latencies.Order().ToList();
        return (sorted[sorted.Count / 2], sorted[(int)(sorted.Count * 0.95)]);
    }

    private static (IMessageTransport Transport, Topic<T> Topic) Open<T>(InProcessTransport? local, MockKafkaCluster? broker) where T : class, ICameraEvent
    {
        string name = "bench-" + Guid.NewGuid().ToString("N")[..8];
        if (local is not null)
            return (local, new Topic<T>(name));
        broker!.CreateTopic(name, 4);
        broker.CreateTopic(name + ".dlq", 1);
        return (new KafkaTransport(new KafkaTransportOptions { BootstrapServers = broker.BootstrapServers }), new Topic<T>(name));
    }
}
