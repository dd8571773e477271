namespace UniHCP.Pipeline.Inference.Model;

/// <summary>The tasks a model serves, by name. The default is the release checkpoint's set.</summary>
public sealed class TaskRegistry
{
    private readonly Dictionary<string, TaskSpec> _byName;

    public TaskRegistry(IEnumerable<TaskSpec> tasks)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        Tasks = tasks.ToList();
        _byName = new Dictionary<string, TaskSpec>(StringComparer.Ordinal);
        foreach (var task in Tasks)
        {
            task.Validate();
            if (!_byName.TryAdd(task.Name, task))
                throw new ArgumentException($"Task '{task.Name}' is registered twice.");
        }
    }

    public IReadOnlyList<TaskSpec> Tasks { get; }

    /// <summary>Detection (3 x 300 queries), COCO pose (17), LIP/CIHP parsing (20), PA-100K
    /// attributes (26), ReID (6) and cloth-changing ReID (6), as in the release.</summary>
    public static TaskRegistry Standard { get; } = new(
    [
        Detection(),
        new TaskSpec("pose", TaskType.Pose, LabelSets.CocoJoints, 17, 17, LabelSets.CocoJointFlipPairs),
        new TaskSpec("parsing", TaskType.Parsing, LabelSets.LipParts, 20, 20, LabelSets.LipPartFlipPairs),
        new TaskSpec("attributes", TaskType.Attributes, LabelSets.Pa100kAttributes, 26, 26, []),
        new TaskSpec("reid", TaskType.ReId, LabelSets.ReIdParts(6), 6, 6, []),
        new TaskSpec("cloth_reid", TaskType.ClothChangingReId, LabelSets.ReIdParts(6), 6, 6, []),
    ]);

    /// <summary>Pedestrian detection: <paramref name="contentQueries"/> content queries x <paramref name="anchors"/> anchor points.</summary>
    public static TaskSpec Detection(int contentQueries = 3, int anchors = 300, string name = "detection") =>
        new(name, TaskType.Detection, ["person"], contentQueries, anchors, []);

    public TaskSpec this[string name] => _byName.TryGetValue(name, out var task)
        ? task
        : throw new KeyNotFoundException($"No task '{name}' in this model; it has: {string.Join(", ", _byName.Keys)}.");

    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The first task of a type, or null.</summary>
    public TaskSpec? FirstOf(TaskType type) => Tasks.FirstOrDefault(t => t.Type == type);
}
