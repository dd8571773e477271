using UniHCP.Pipeline.Core.Transport;
using UniHCP.Pipeline.Transport.Kafka;

namespace UniHCP.Pipeline.Cli.Pipeline;

/// <summary>
/// The Kafka transport for a run: a real cluster (topics created when missing) or, with bootstrap "mock",
/// librdkafka's mock cluster in this process - a real broker protocol without installing Kafka, for trials.
/// </summary>
internal sealed class KafkaSetup : IDisposable
{
    public static readonly IReadOnlyList<string> PipelineTopics = [Topics.Frames.Name, Topics.Persons.Name, Topics.Tracks.Name, Topics.Identities.Name];
    private readonly MockKafkaCluster? _mock;

    private KafkaSetup(KafkaTransportOptions options, MockKafkaCluster? mock, int jpegQuality)
    {
        Options = options;
        _mock = mock;
        JpegQuality = jpegQuality;
    }

    public KafkaTransportOptions Options { get; }

    public int JpegQuality { get; }

    public bool IsMock => _mock is not null;

    public static async Task<KafkaSetup> CreateAsync(string bootstrap, int partitions, int jpegQuality)
    {
        if (jpegQuality is < 0 or > 100)
            throw new ArgumentException($"--jpeg-quality must be 0 (raw frames) or 1-100 (got {jpegQuality}).");
        if (partitions is < 1 or > 1000)
            throw new ArgumentException($"--partitions must be 1-1000 (got {partitions}).");
        if (bootstrap == "mock")
        {
            var mock = new MockKafkaCluster(brokers: 3);
            foreach (string topic in PipelineTopics)
            {
                mock.CreateTopic(topic, partitions);
                mock.CreateTopic(topic + ".dlq", 1);
            }
            return new KafkaSetup(new KafkaTransportOptions { BootstrapServers = mock.BootstrapServers, EndLingerMs = 0 }, mock, jpegQuality);
        }
        // One process holds every consumer of the run: no other member can die and leave partitions to take over.
        var options = new KafkaTransportOptions { BootstrapServers = bootstrap, EndLingerMs = 0 };
        options.Validate();
        var setup = new KafkaSetup(options, null, jpegQuality);
        await using var transport = setup.Create();
        await transport.CreateTopicsAsync(PipelineTopics, partitions).ConfigureAwait(false);
        return setup;
    }

    // Consumers read both forms whatever this process sends, so processes with different settings interoperate.
    public KafkaTransport Create() => new(Options, new EventCodec(
        JpegQuality == 0 ? RawFramePixels.Instance : new JpegFramePixels(JpegQuality), [new JpegFramePixels(90)]));

    public void Dispose() => _mock?.Dispose();
}
