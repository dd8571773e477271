namespace UniHCP.Pipeline.Hosting.Options;

/// <summary>Which transport joins the stages.</summary>
public enum PipelineTransportKind
{
    /// <summary>Bounded in-process queues: every stage in this process (the embedded default).</summary>
    InProcess,

    /// <summary>Apache Kafka topics (the "Kafka" section): stages in any processes (scale-out).</summary>
    Kafka,
}

/// <summary>The "Pipeline" configuration section: how this process's stages are joined and observed.</summary>
public sealed class PipelineOptions
{
    public const string SectionName = "Pipeline";

    public PipelineTransportKind Transport { get; set; } = PipelineTransportKind.InProcess;

    /// <summary>Port of this process's HTTP endpoint with /metrics (Prometheus) and /healthz; 0: any free port (the
    /// command prints which); null: none.</summary>
    public int? HttpPort { get; set; }

    /// <summary>Address the HTTP endpoint listens on. Default 127.0.0.1 (this host only).</summary>
    public string HttpAddress { get; set; } = "127.0.0.1";

    /// <summary>Print the metrics to the console every 10 s.</summary>
    public bool MetricsConsole { get; set; }

    /// <summary>JPEG quality of frames published over Kafka; 0 sends them raw (exact, ~15x larger). Default 90.</summary>
    public int JpegQuality { get; set; } = 90;

    /// <summary>Partitions of the topics this process creates on Kafka (the most processes of one stage that can share
    /// the work). Default 4.</summary>
    public int Partitions { get; set; } = 4;

    /// <summary>Over Kafka, ingest waits while the inference group is more than this many frames behind on a partition
    /// (0: never). Set it when the brokers keep little (librdkafka's mock cluster: 5 MB per partition).</summary>
    public int MaxLag { get; set; }

    /// <summary>Once the sources stop (end of the files, --duration, Ctrl+C), how long the drain may make no progress at
    /// all before the run gives up on what is still in flight (a broker that stopped answering). Default 60 s.</summary>
    public int DrainStallSeconds { get; set; } = 60;

    public void Validate()
    {
        var problems = new List<string>();
        if (DrainStallSeconds is < 1 or > 86_400)
            problems.Add($"DrainStallSeconds must be 1-86400 (got {DrainStallSeconds}).");
        if (HttpPort is < 0 or > 65535)
            problems.Add($"HttpPort must be 0-65535 (got {HttpPort}).");
        if (!System.Net.IPAddress.TryParse(HttpAddress, out _))
            problems.Add($"HttpAddress must be an IP address (got '{HttpAddress}').");
        if (JpegQuality is < 0 or > 100)
            problems.Add($"JpegQuality must be 0 (raw frames) or 1-100 (got {JpegQuality}).");
        if (Partitions is < 1 or > 1000)
            problems.Add($"Partitions must be 1-1000 (got {Partitions}).");
        if (MaxLag is < 0 or > 1_000_000)
            problems.Add($"MaxLag must be 0-1000000 (got {MaxLag}).");
        if (problems.Count > 0)
            throw new ArgumentException("Pipeline: " + string.Join(" ", problems));
    }
}
