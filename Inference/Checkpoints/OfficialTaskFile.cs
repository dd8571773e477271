using UniHCP.Pipeline.Inference.Model;

namespace UniHCP.Pipeline.Inference.Checkpoints;

/// <summary>An official per-task checkpoint and the task it holds.</summary>
/// <param name="Task">Task name: one of the standard tasks (detection, pose, parsing, attributes,
/// reid, cloth_reid), or a new name with its <paramref name="Type"/>.</param>
/// <param name="Path">The .pth.tar file.</param>
/// <param name="Type">Task type; null takes the standard task's.</param>
public sealed record OfficialTaskFile(string Task, string Path, TaskType? Type = null)
{
    /// <summary>Parses "name=path" or "name:type=path" (type: detection, pose, parsing, attributes, reid, cloth_reid).</summary>
    public static OfficialTaskFile Parse(string text)
    {
        int equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0 || equals == text.Length - 1)
            throw new ArgumentException($"'{text}' is not NAME=PATH or NAME:TYPE=PATH (e.g. pose=ckpt_task1_iter_newest.pth.tar).");
        string name = text[..equals], path = text[(equals + 1)..];
        TaskType? type = null;
        int colon = name.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0)
        {
            type = ParseType(name[(colon + 1)..]);
            name = name[..colon];
        }
        return new OfficialTaskFile(name, path, type);
    }

    public static TaskType ParseType(string text) => text.ToLowerInvariant() switch
    {
        "detection" => TaskType.Detection,
        "pose" => TaskType.Pose,
        "parsing" => TaskType.Parsing,
        "attributes" => TaskType.Attributes,
        "reid" => TaskType.ReId,
        "cloth_reid" => TaskType.ClothChangingReId,
        _ => throw new ArgumentException($"Task type '{text}' is not one of detection, pose, parsing, attributes, reid, cloth_reid."),
    };
}
