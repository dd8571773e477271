using System.Globalization;
using System.Text.Json;
using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Engine;

namespace UniHCP.Pipeline.Cli.Pipeline;

/// <summary>Tells the operator what the weights were trained for and how well, so that nobody reads meaning into
/// outputs that have none.</summary>
internal static class UntrainedTasks
{
    public static void Warn(TextWriter output, PerceptionEngine engine)
    {
        var untrained = engine.Metadata.Tasks.Where(t => !t.Trained).Select(t => t.Name).ToList();
        var running = untrained.Where(name => engine.CropTasks.Any(t => t.Name == name)).ToList();
        if (running.Count > 0)
            output.WriteLine($"note: these weights were not trained for {string.Join(", ", running)}; those outputs carry no meaning.");
        else if (untrained.Count > 0)
            output.WriteLine($"note: these weights were not trained for {string.Join(", ", untrained)}; those tasks are not run (--tasks runs them anyway).");
        var trainedIdle = engine.Metadata.Tasks.Where(t => t.Trained && t.Type != Inference.Model.TaskType.Detection && !engine.CropTasks.Any(c => c.Name == t.Name)).Select(t => t.Name).ToList();
        if (trainedIdle.Count > 0)
            output.WriteLine($"note: {string.Join(", ", trainedIdle)} {(trainedIdle.Count == 1 ? "is" : "are")} trained but not run here (each person would cost a crop pass); --tasks {string.Join(",", trainedIdle)} runs {(trainedIdle.Count == 1 ? "it" : "them")}.");
        foreach (string line in RecordedMetrics(engine.Metadata))
            output.WriteLine(line);
    }

    /// <summary>The held-out metrics the weights record, and how the trainer scored detection when the file says: it
    /// may have used another input size than runs do, and the numbers must not pass for the run's.</summary>
    internal static IEnumerable<string> RecordedMetrics(WeightsMetadata metadata)
    {
        if (!metadata.Provenance.TryGetValue("training.metrics", out string? json) || Metrics(json) is not { Count: > 0 } metrics)
            yield break;
        yield return "held-out metrics recorded in the weights: " + string.Join(", ", metrics.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Key} {m.Value:0.###}")));
        if (metadata.Provenance.TryGetValue("detection.training_sizes", out string? sizes) && sizes.IndexOf("held out scored at ", StringComparison.Ordinal) is var at and >= 0)
            yield return $"  (detection {sizes[at..]} by the trainer; `unihcp eval detection` scores as this run reads)";
    }

    private static Dictionary<string, double>? Metrics(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, double>>(json);
        }
        catch (JsonException)
        {
            return null; // provenance is informative only; a malformed record is not worth failing a run for
        }
    }
}
