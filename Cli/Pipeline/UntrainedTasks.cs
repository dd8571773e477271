using System.Text.Json;
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
        if (engine.Metadata.Provenance.TryGetValue("training.metrics", out string? json) && Metrics(json) is { Count: > 0 } metrics)
            output.WriteLine("held-out metrics recorded in the weights: " + string.Join(", ", metrics.Select(m => $"{m.Key} {m.Value:0.###}")));
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
