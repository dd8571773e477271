using System.Text.RegularExpressions;

namespace UniHCP.Pipeline.Inference.Model;

/// <summary>
/// One task's query set, as data: the decoder, interpreter and checkpoint format are the same for
/// every task; what differs is the type (its output gate), the number of queries and what they mean.
/// </summary>
/// <param name="Name">Identifier used in weight names and options ("detection", "pose", ...):
/// lower-case letters, digits and '_', starting with a letter.</param>
/// <param name="Type">Task type (gate).</param>
/// <param name="Labels">What each query (or, for detection, each class) means: joint names, part
/// names, attribute names; ReID queries are numbered.</param>
/// <param name="ContentQueries">Content queries (rows of query_feat): one per label, except
/// detection (3 shared content queries).</param>
/// <param name="PositionQueries">Rows of query_embed: equal to <paramref name="ContentQueries"/>,
/// except detection (anchor points, 300 in the release).</param>
/// <param name="FlipPairs">Label index pairs that swap under a horizontal flip (left/right joints and parts).</param>
public sealed partial record TaskSpec(
    string Name,
    TaskType Type,
    IReadOnlyList<string> Labels,
    int ContentQueries,
    int PositionQueries,
    IReadOnlyList<(int Left, int Right)> FlipPairs)
{
    /// <summary>Whether the task reads images through an encoder of its own (under "tasks.&lt;name&gt;.backbone_module.", the
    /// shared encoder's shape) instead of the shared one: a CPU-configuration extension for a person task whose accuracy
    /// needs encoder features the shared encoder cannot also give detection. The published layout has none.</summary>
    public bool OwnEncoder { get; init; }

    /// <summary>The token stride of the task's own encoder when it differs from the shared encoder's (ResNet-18: 8, where the
    /// shared one has 16: finer features for keypoints on small crops, from stage 2 added to the pyramid); null: the shared
    /// encoder's stride. The task then also has a mask neck of its own (under "tasks.&lt;name&gt;.neck_module."), made for that
    /// stride, so that its maps stay at a quarter of the crop.</summary>
    public int? OwnEncoderStride { get; init; }

    /// <summary>Queries the decoder runs: detection combines every content query with every anchor.</summary>
    public int Queries => Type == TaskType.Detection ? ContentQueries * PositionQueries : ContentQueries;

    /// <summary>Width of a row of query_embed: a 2-D anchor point for detection, the hidden width otherwise.</summary>
    public int PositionWidth(int hidden) => Type == TaskType.Detection ? 2 : hidden;

    public void Validate()
    {
        if (!NamePattern().IsMatch(Name))
            throw new ArgumentException($"Task name '{Name}' is not valid: lower-case letters, digits and '_', starting with a letter (at most 40).");
        if (ContentQueries <= 0 || PositionQueries <= 0)
            throw new ArgumentException($"Task '{Name}': query counts must be positive ({ContentQueries}, {PositionQueries}).");
        if (Type != TaskType.Detection && PositionQueries != ContentQueries)
            throw new ArgumentException($"Task '{Name}': only detection may have different content ({ContentQueries}) and position ({PositionQueries}) query counts.");
        if (Type is TaskType.Pose or TaskType.Parsing or TaskType.Attributes or TaskType.ReId or TaskType.ClothChangingReId && Labels.Count != ContentQueries)
            throw new ArgumentException($"Task '{Name}': {Labels.Count} labels for {ContentQueries} queries; a {Type} task needs one label per query.");
        if (OwnEncoder && Type == TaskType.Detection)
            throw new ArgumentException($"Task '{Name}': detection reads the shared encoder; only person tasks may have their own.");
        if (OwnEncoderStride is { } stride && (!OwnEncoder || stride is not (8 or 16)))
            throw new ArgumentException($"Task '{Name}': an own encoder's stride ({stride}) needs an own encoder and must be 8 or 16.");
        foreach (var (left, right) in FlipPairs)
        {
            if (left < 0 || right < 0 || left >= Labels.Count || right >= Labels.Count || left == right)
                throw new ArgumentException($"Task '{Name}': flip pair ({left}, {right}) is not a pair of two label indices.");
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9_]{0,39}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
