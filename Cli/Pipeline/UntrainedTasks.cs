using UniHCP.Pipeline.Inference.Engine;

namespace UniHCP.Pipeline.Cli.Pipeline;

/// <summary>Tells the operator which outputs of the weights were never trained, so that nobody reads meaning into them.</summary>
internal static class UntrainedTasks
{
    public static void Warn(TextWriter output, PerceptionEngine engine)
    {
        var untrained = engine.Metadata.Tasks.Where(t => !t.Trained).Select(t => t.Name).ToList();
        if (untrained.Count > 0)
            output.WriteLine($"note: these weights were not trained for {string.Join(", ", untrained)}; those outputs are stored but carry no meaning.");
    }
}
