namespace UniHCP.Pipeline.Transport.Kafka;

/// <summary>The "Kafka" configuration section.</summary>
public sealed class KafkaTransportOptions
{
    public const string SectionName = "Kafka";

    /// <summary>Broker list, e.g. "kafka-1:9092,kafka-2:9092" (or a mock cluster's bootstraps).</summary>
    public string BootstrapServers { get; set; } = "";

    /// <summary>Client id reported to the brokers.</summary>
    public string ClientId { get; set; } = "unihcp";

    /// <summary>
    /// Identifies one finite run (e.g. files analysed by several processes): a subscriber ends its stream when
    /// every publisher of the same run has completed the topic. Processes of one run share it; live deployments
    /// never complete their topics and can leave it as is.
    /// </summary>
    public string RunId { get; set; } = Guid.NewGuid().ToString("N");

    /// <summary>How many publishers (processes) of a run feed each topic; a subscriber ends after this many
    /// completion markers. Default 1.</summary>
    public int PublishersPerTopic { get; set; } = 1;

    /// <summary>Dead letters of topic T go to T + this suffix. Default ".dlq".</summary>
    public string DeadLetterSuffix { get; set; } = ".dlq";

    /// <summary>Consumer session timeout: how soon a dead consumer's partitions move to the others. Default 6 s.</summary>
    public int SessionTimeoutMs { get; set; } = 6000;

    /// <summary>How long a member whose partitions are all complete keeps polling before its stream ends, so that it
    /// takes over the partitions of a member that died just before (the group moves them after the session timeout).
    /// Default: the session timeout plus one second; 0 where one process holds every member (a single-host run).</summary>
    public int? EndLingerMs { get; set; }

    /// <summary>How long a starting process waits for a broker to answer before it gives up with an error naming the
    /// servers (librdkafka itself would retry for ever, and every stage would wait on it). Default 15 s.</summary>
    public int ConnectTimeoutMs { get; set; } = 15_000;

    /// <summary>Largest message in bytes (a raw 768x576 frame is 1.3 MB; JPEG frames are far smaller). Default 8 MiB.</summary>
    public int MaxMessageBytes { get; set; } = 8 * 1024 * 1024;

    public void Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(BootstrapServers))
            problems.Add("BootstrapServers is required (host:port[,host:port...]).");
        if (string.IsNullOrWhiteSpace(RunId) || RunId.Length > 100)
            problems.Add("RunId must be 1-100 characters.");
        if (PublishersPerTopic is < 1 or > 10_000)
            problems.Add($"PublishersPerTopic must be 1-10000 (got {PublishersPerTopic}).");
        if (string.IsNullOrEmpty(DeadLetterSuffix))
            problems.Add("DeadLetterSuffix must not be empty.");
        if (SessionTimeoutMs is < 1000 or > 300_000)
            problems.Add($"SessionTimeoutMs must be 1000-300000 (got {SessionTimeoutMs}).");
        if (EndLingerMs is < 0 or > 600_000)
            problems.Add($"EndLingerMs must be 0-600000 (got {EndLingerMs}).");
        if (ConnectTimeoutMs is < 100 or > 600_000)
            problems.Add($"ConnectTimeoutMs must be 100-600000 (got {ConnectTimeoutMs}).");
        if (MaxMessageBytes is < 1024 or > 1_000_000_000)
            problems.Add($"MaxMessageBytes must be 1 KiB - 1 GB (got {MaxMessageBytes}).");
        if (problems.Count > 0)
            throw new ArgumentException("Kafka: " + string.Join(" ", problems));
    }
}
