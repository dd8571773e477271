using System.Text.Json;
using System.Text.Json.Serialization;
using UniHCP.Pipeline.Inference.Model;

namespace UniHCP.Pipeline.Inference.Checkpoints;

/// <summary>
/// What a weights file says about itself, stored as JSON in the safetensors metadata record
/// ("unihcp"): enough to rebuild the model (configuration, task registry with label sets) and to
/// know where the weights came from.
/// </summary>
public sealed record WeightsMetadata
{
    /// <summary>2: a task may have its own encoder (<see cref="TaskRecord.OwnEncoder"/>); 3: of another stride than the
    /// shared one, with a mask neck of its own (<see cref="TaskRecord.OwnEncoderStride"/>). Files are written at the lowest
    /// version that holds them, so that earlier programs keep reading what they can.</summary>
    public const int CurrentFormatVersion = 3;

    public int FormatVersion { get; init; } = 1;

    /// <summary>The weights version, as registered in the model registry (e.g. "official-release", "default-cpu-2026.11").</summary>
    public required string Version { get; init; }

    public required ModelConfig Config { get; init; }

    public required IReadOnlyList<TaskRecord> Tasks { get; init; }

    public DateTimeOffset Created { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>Where the weights came from: imported files with their SHA-256, or training data,
    /// steps and metrics. Free-form key/value pairs, shown by `unihcp weights info`.</summary>
    public IReadOnlyDictionary<string, string> Provenance { get; init; } = new Dictionary<string, string>();

    public TaskRegistry ToRegistry() => new(Tasks.Select(t => t.ToSpec()));

    public static WeightsMetadata For(string version, ModelConfig config, TaskRegistry tasks, IReadOnlyDictionary<string, string>? provenance = null) => new()
    {
        Version = version,
        Config = config,
        Tasks = tasks.Tasks.Select(TaskRecord.From).ToList(),
        Provenance = provenance ?? new Dictionary<string, string>(),
    };

    public string ToJson() => JsonSerializer.Serialize(this with { FormatVersion = Tasks.Any(t => t.OwnEncoderStride is not null) ? 3 : Tasks.Any(t => t.OwnEncoder) ? 2 : 1 }, s_options);

    public static WeightsMetadata FromJson(string json, string source)
    {
        try
        {
            var metadata = JsonSerializer.Deserialize<WeightsMetadata>(json, s_options)
                ?? throw new InvalidDataException($"Weights file '{source}': its metadata record is empty.");
            if (metadata.FormatVersion > CurrentFormatVersion)
                throw new InvalidDataException($"Weights file '{source}' has format version {metadata.FormatVersion}; this program reads up to {CurrentFormatVersion}. Update the program.");
            metadata.Config.Validate();
            metadata.ToRegistry();
            return metadata;
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or NotSupportedException)
        {
            throw new InvalidDataException($"Weights file '{source}': its metadata record is not valid: {ex.Message}", ex);
        }
    }

    private static readonly JsonSerializerOptions s_options = new()
    {
        WriteIndented = false,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    };
}

/// <summary>A task as stored in a weights file.</summary>
public sealed record TaskRecord(string Name, TaskType Type, IReadOnlyList<string> Labels, int ContentQueries, int PositionQueries, IReadOnlyList<int[]> FlipPairs)
{
    /// <summary>Whether this file's queries for the task were trained (false: initialised only; outputs are not meaningful).</summary>
    public bool Trained { get; init; } = true;

    /// <summary>What the task was trained or imported from, shown to users.</summary>
    public string? Source { get; init; }

    /// <summary>Whether the task has its own encoder (see <see cref="TaskSpec.OwnEncoder"/>); absent in format 1 files.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool OwnEncoder { get; init; }

    /// <summary>The own encoder's token stride when it differs from the shared one's (see <see cref="TaskSpec.OwnEncoderStride"/>); absent before format 3.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? OwnEncoderStride { get; init; }

    public static TaskRecord From(TaskSpec spec) =>
        new(spec.Name, spec.Type, spec.Labels, spec.ContentQueries, spec.PositionQueries, spec.FlipPairs.Select(p => new[] { p.Left, p.Right }).ToList()) { OwnEncoder = spec.OwnEncoder, OwnEncoderStride = spec.OwnEncoderStride };

    public TaskSpec ToSpec() =>
        new(Name, Type, Labels, ContentQueries, PositionQueries,
            FlipPairs.Select(p => p.Length == 2 ? (p[0], p[1]) : throw new ArgumentException($"Task '{Name}': a flip pair must have two entries.")).ToList())
        { OwnEncoder = OwnEncoder, OwnEncoderStride = OwnEncoderStride };
}
