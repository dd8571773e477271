using UniHCP.Pipeline.Core.Events;

namespace UniHCP.Pipeline.Training.Labelling;

/// <summary>
/// What a teacher says about one person in one frame, in frame pixels. Everything but the box is optional: the
/// pretrained teachers give boxes and, for people tall enough, keypoints; our own weights as teacher give whatever
/// tasks they have.
/// </summary>
/// <param name="Box">The person's box.</param>
/// <param name="Score">The box teacher's confidence.</param>
/// <param name="Source">Which teacher made the box (e.g. "centernet", or a weights version).</param>
public sealed record PersonLabel(BoundingBox Box, float Score, string Source)
{
    /// <summary>17 COCO joints (x, y, teacher score), or null when no pose was made for this person.</summary>
    public IReadOnlyList<Keypoint>? Keypoints { get; init; }

    /// <summary>Which teacher made the keypoints.</summary>
    public string? KeypointSource { get; init; }

    /// <summary>Attribute probabilities by name (weights teacher only).</summary>
    public IReadOnlyDictionary<string, float>? Attributes { get; init; }

    /// <summary>Upper and lower clothing colour names (weights teacher only).</summary>
    public (string? Upper, string? Lower)? Colours { get; init; }

    /// <summary>The L2-normalised ReID embedding (weights teacher only), for distilling appearance.</summary>
    public float[]? Embedding { get; init; }
}

/// <summary>A source of person labels for frames.</summary>
public interface ITeacher : IAsyncDisposable
{
    /// <summary>What labels, in words and settings, for the output file's provenance; a resumed run must match it.</summary>
    IReadOnlyDictionary<string, string> Provenance { get; }

    Task<IReadOnlyList<PersonLabel>> LabelAsync(Inference.Processing.RgbImage frame, CancellationToken cancellationToken);
}
