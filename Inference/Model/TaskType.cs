namespace UniHCP.Pipeline.Inference.Model;

/// <summary>The kinds of task one UniHCP model serves; each decides which output units are computed.</summary>
public enum TaskType
{
    Detection = 0,
    Pose = 1,
    Parsing = 2,
    Attributes = 3,
    ReId = 4,
    ClothChangingReId = 5,
}

/// <summary>The interpreter's output units.</summary>
[Flags]
public enum OutputUnits
{
    None = 0,

    /// <summary>Feature vector per query (ReID).</summary>
    Feature = 1,

    /// <summary>Global probability per query (attribute present, joint visible, part present, box score).</summary>
    GlobalProbability = 2,

    /// <summary>Local probability map per query at stride 4 (pose heatmaps, parsing masks).</summary>
    LocalMap = 4,

    /// <summary>Box per query (detection): normalised centre x, centre y, width, height.</summary>
    Box = 8,
}

public static class TaskTypeExtensions
{
    /// <summary>The gate of a task type: the units computed (and supervised) for it.</summary>
    public static OutputUnits Units(this TaskType type) => type switch
    {
        TaskType.Detection => OutputUnits.GlobalProbability | OutputUnits.Box,
        TaskType.Pose or TaskType.Parsing => OutputUnits.LocalMap | OutputUnits.GlobalProbability,
        TaskType.Attributes => OutputUnits.GlobalProbability,
        TaskType.ReId or TaskType.ClothChangingReId => OutputUnits.Feature,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown task type."),
    };

    /// <summary>Whether the task reads the neck's stride-4 mask features (the neck is skipped otherwise).</summary>
    public static bool NeedsMaskFeatures(this TaskType type) => (type.Units() & OutputUnits.LocalMap) != 0;
}
