using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Model;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Training;

/// <summary>
/// A new query set added to trained weights from a template task of the same type (the paper's transfer to a new
/// task): e.g. a site's own attribute list next to PA-100K's. Every existing tensor is copied unchanged; the new
/// task's queries start as the template's (query i from template query i modulo the template's count), so that a
/// prompt-tuning run (train only "tasks.&lt;name&gt;.") begins from what the template already reads.
/// </summary>
public static class NewTask
{
    public static (UniHcpModel Model, WeightsMetadata Metadata) Add(UniHcpModel source, WeightsMetadata metadata, string name, IReadOnlyList<string> labels, string template)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(labels);
        if (source.Tasks.Contains(name))
            throw new ArgumentException($"These weights already have a task '{name}'; choose another name.");
        var templateSpec = source.Tasks.Contains(template) ? source.Tasks[template] : throw new ArgumentException($"No template task '{template}' in these weights; they have {string.Join(", ", source.Tasks.Tasks.Select(t => t.Name))}.");
        if (templateSpec.Type is TaskType.Detection)
            throw new ArgumentException("Detection cannot be a template: its queries are anchors, not labels.");
        if (labels.Count == 0 || labels.Distinct(StringComparer.Ordinal).Count() != labels.Count)
            throw new ArgumentException("A new task needs at least one label and no label twice.");
        var spec = new TaskSpec(name, templateSpec.Type, labels, labels.Count, labels.Count, []);
        var registry = new TaskRegistry([.. source.Tasks.Tasks, spec]);
        var model = new UniHcpModel(source.Config, registry);
        try
        {
            var tensors = source.state_dict();
            var target = model.state_dict();
            using (no_grad())
            {
                foreach (var (key, value) in target)
                {
                    if (tensors.TryGetValue(key, out var existing))
                    {
                        value.copy_(existing);
                        continue;
                    }
                    // The new task's query tables: rows from the template's.
                    string templateKey = key.Replace($"tasks.{name}.", $"tasks.{template}.", StringComparison.Ordinal);
                    var rows = tensors[templateKey];
                    var index = arange(value.shape[0], dtype: ScalarType.Int64) % rows.shape[0];
                    value.copy_(rows.index_select(0, index));
                }
            }
            model.DetectionAttentionPrior = source.DetectionAttentionPrior;
            var record = TaskRecord.From(spec) with { Trained = false, Source = $"new, from template '{template}'" };
            return (model, metadata with { Tasks = [.. metadata.Tasks, record] });
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
