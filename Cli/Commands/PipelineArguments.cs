using System.CommandLine;
using System.Globalization;
using UniHCP.Pipeline.Inference.Engine;

namespace UniHCP.Pipeline.Cli.Commands;

/// <summary>
/// Command-line options of the pipeline commands (`run`, `stage ...`), each the override of one configuration key:
/// an option given on the command line wins over the configuration files and the environment; one not given leaves
/// the configured value (or the setting's default) in place. One definition, so that `run` and `stage infer` cannot
/// drift.
/// </summary>
internal static class PipelineArguments
{
    public static Option<FileInfo?> Weights { get; } = new("--weights") { Description = "Model weights (Inference:Weights; default models/default.safetensors)." };

    public static Option<string[]> Tasks { get; } = new("--tasks")
    {
        Description = "Person tasks besides detection, comma-separated: pose, parsing, attributes, reid, or none (Inference:Tasks; default: what the weights name as their default, else the trained ones).",
        AllowMultipleArgumentsPerToken = true,
    };

    public static Option<int?> Stride { get; } = new("--detection-stride") { Description = "Analyse every Nth frame of each camera (Inference:DetectionStride; default 1)." };

    public static Option<double?> PersonTasksEvery { get; } = new("--person-tasks-every")
    {
        Description = "Seconds between a followed person's person-task runs (ReID, pose, attributes, parsing), the first on their first confirmed sighting; 0: every detection (Inference:PersonTasksEvery; default 2).",
    };

    public static Option<int?> Batch { get; } = new("--batch") { Description = "Frames run through the model together (Inference:BatchFrames; default 4)." };

    public static Option<int?> ModelLanes { get; } = new("--model-lanes")
    {
        Description = "Batches analysed side by side, each on its own thread with a share of the libtorch threads (Inference:ModelLanes; default 0: 2 with two or more cores, else 1).",
    };

    public static Option<Precision?> Precision { get; } = new("--precision")
    {
        Description = "Float32 or BFloat16 (Inference:Precision; default BFloat16 on CPUs with AVX-512 BF16 or AMX, else Float32).",
    };

    public static Option<string?> Device { get; } = new("--device") { Description = "cpu, or cuda / cuda:N on a CUDA build (Inference:Device; default cpu)." };

    public static Option<float?> Threshold { get; } = new("--threshold") { Description = "Detection score threshold (Inference:Threshold; default 0.5)." };

    public static Option<int?> ShortSide { get; } = new("--detection-short-side") { Description = "Detection input short side in pixels (Inference:DetectionShortSide; default: what the weights were trained at, else 800)." };

    public static Option<int?> MaxLongSide { get; } = new("--detection-max-long-side") { Description = "Cap on the detection input's long side in pixels (Inference:DetectionMaxLongSide; default: what the weights record, else 1333/800 of the short side)." };

    public static Option<string?> Tiles { get; } = new("--detection-tiles") { Description = "Detect also on N x N overlapping tiles of each frame, each at the detection input size: small, far people are found more often, at N x N more detector passes. 1: the whole frame only; auto (the default): 2 x 2 tiles on frames of 720p and more, the whole frame on smaller ones (Inference:DetectionTiles)." };

    public static Option<bool?> MetricsConsole { get; } = new("--metrics-console") { Description = "Print the metrics every 10 s (Pipeline:MetricsConsole)." };

    public static Option<int?> HttpPort { get; } = new("--metrics-port", "--http-port") { Description = "Serve /metrics (Prometheus) and /healthz at http://127.0.0.1:PORT (Pipeline:HttpPort)." };

    public static Option<int?> Partitions { get; } = new("--partitions") { Description = "Partitions of the topics this process creates on Kafka (Pipeline:Partitions; default 4)." };

    public static Option<int?> JpegQuality { get; } = new("--jpeg-quality") { Description = "JPEG quality of frames sent through Kafka; 0 sends them raw (Pipeline:JpegQuality; default 90)." };

    public static Option<int?> TilesEvery { get; } = new("--detection-tiles-every") { Description = "On cameras read as tiles, the tiles on every Nth analysed frame and the whole frame between, which holds the small people of the last tiled frame and tells the tracker it did not look for them; 1: tiles on every frame (Inference:DetectionTilesEvery; default 3: within 0.02 AP50 of every frame at under half the passes)." };

    /// <summary>The inference options (run and stage infer).</summary>
    public static IEnumerable<Option> Inference => [Weights, Tasks, PersonTasksEvery, Stride, Batch, ModelLanes, Precision, Device, Threshold, ShortSide, MaxLongSide, Tiles, TilesEvery];

    /// <summary>The observability options (every pipeline process).</summary>
    public static IEnumerable<Option> Observability => [MetricsConsole, HttpPort];

    /// <summary>The configuration keys the given options override.</summary>
    public static Dictionary<string, string?> Overrides(ParseResult parse)
    {
        var keys = new Dictionary<string, string?>(StringComparer.Ordinal);
        Set(keys, parse, Weights, "Inference:Weights", f => f!.FullName);
        if (parse.GetResult(Tasks) is { Implicit: false } && parse.GetValue(Tasks) is { } tasks)
            keys["Inference:Tasks"] = string.Join(",", tasks.SelectMany(t => t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));
        Set(keys, parse, Stride, "Inference:DetectionStride");
        Set(keys, parse, Batch, "Inference:BatchFrames");
        Set(keys, parse, ModelLanes, "Inference:ModelLanes");
        Set(keys, parse, PersonTasksEvery, "Inference:PersonTasksEvery");
        Set(keys, parse, Precision, "Inference:Precision");
        Set(keys, parse, Device, "Inference:Device");
        Set(keys, parse, Threshold, "Inference:Threshold");
        Set(keys, parse, ShortSide, "Inference:DetectionShortSide");
        Set(keys, parse, MaxLongSide, "Inference:DetectionMaxLongSide");
        Set(keys, parse, Tiles, "Inference:DetectionTiles");
        Set(keys, parse, TilesEvery, "Inference:DetectionTilesEvery");
        Set(keys, parse, MetricsConsole, "Pipeline:MetricsConsole");
        Set(keys, parse, HttpPort, "Pipeline:HttpPort");
        Set(keys, parse, Partitions, "Pipeline:Partitions");
        Set(keys, parse, JpegQuality, "Pipeline:JpegQuality");
        return keys;
    }

    private static void Set<T>(Dictionary<string, string?> keys, ParseResult parse, Option<T> option, string key, Func<T, string>? format = null)
    {
        if (parse.GetResult(option) is not { Implicit: false } || parse.GetValue(option) is not { } value)
            return;
        keys[key] = format is not null ? format(value) : Convert.ToString(value, CultureInfo.InvariantCulture);
    }
}
