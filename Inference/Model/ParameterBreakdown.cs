namespace UniHCP.Pipeline.Inference.Model;

/// <summary>
/// Parameter counts by part, laid out like the paper's Table 1: encoder (with the position
/// table), decoder, interpreter (neck, class and mask heads, detection box head) and task queries.
/// </summary>
/// <param name="Encoder">backbone_module.*</param>
/// <param name="PositionTable">backbone_module.pos_embed alone (part of <paramref name="Encoder"/>).</param>
/// <param name="Neck">neck_module.*</param>
/// <param name="Decoder">The predictor without the interpreter heads and task queries.</param>
/// <param name="InterpreterHeads">The shared heads: class_embed and mask_embed.</param>
/// <param name="TaskSpecific">Per task: its queries, plus the box head for detection.</param>
public sealed record ParameterBreakdown(
    long Encoder,
    long PositionTable,
    long Neck,
    long Decoder,
    long InterpreterHeads,
    IReadOnlyDictionary<string, long> TaskSpecific)
{
    /// <summary>Everything shared by all tasks (the "task-agnostic" part).</summary>
    public long Shared => Encoder + Neck + Decoder + InterpreterHeads;

    public long Total => Shared + TaskSpecific.Values.Sum();

    /// <summary>Share of a task's model (shared + its own) that is task-agnostic.</summary>
    public double SharedFraction(string task) => (double)Shared / (Shared + TaskSpecific[task]);

    public static ParameterBreakdown Of(UniHcpModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Of(model.named_parameters().Select(p => (p.name, p.parameter.numel())), model.Tasks.Tasks.Select(t => t.Name));
    }

    /// <summary>From parameter names and sizes (e.g. a weights file's header, without loading it).</summary>
    public static ParameterBreakdown Of(IEnumerable<(string Name, long Count)> parameters, IEnumerable<string> taskNames)
    {
        long encoder = 0, position = 0, neck = 0, decoder = 0, heads = 0;
        var tasks = taskNames.ToDictionary(t => t, _ => 0L, StringComparer.Ordinal);
        foreach (var (name, count) in parameters)
        {
            if (name.StartsWith("backbone_module.", StringComparison.Ordinal))
            {
                encoder += count;
                if (name == "backbone_module.pos_embed")
                    position += count;
            }
            else if (name.StartsWith("neck_module.", StringComparison.Ordinal))
            {
                neck += count;
            }
            else if (name.StartsWith("decoder_module.predictor.class_embed.", StringComparison.Ordinal) || name.StartsWith("decoder_module.predictor.mask_embed.", StringComparison.Ordinal))
            {
                heads += count;
            }
            else if (name.StartsWith("decoder_module.", StringComparison.Ordinal))
            {
                decoder += count;
            }
            else if (name.StartsWith("tasks.", StringComparison.Ordinal))
            {
                string task = name.Split('.')[1];
                tasks[task] = tasks.GetValueOrDefault(task) + count;
            }
            else
            {
                throw new InvalidOperationException($"Parameter '{name}' belongs to no known part.");
            }
        }
        return new ParameterBreakdown(encoder, position, neck, decoder, heads, tasks);
    }
}
