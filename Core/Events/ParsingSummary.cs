namespace UniHCP.Pipeline.Core.Events;

/// <summary>
/// What human parsing found on a person crop, reduced to what operators search by: which body parts
/// and garments are present (as a share of the person's pixels) and the dominant clothing colours.
/// </summary>
/// <param name="PartShares">Part name to fraction of the person's pixels labelled with it, in (0, 1]; empty when the
/// colours did not come from parsing (weights without a trained parsing task: then they are read from body regions
/// found by the pose keypoints, or from fixed parts of the box).</param>
/// <param name="UpperColor">Colour name of the upper clothing (e.g. "red"), or null when not visible.</param>
/// <param name="LowerColor">Colour name of the lower clothing, or null when not visible.</param>
public sealed record ParsingSummary(
    IReadOnlyDictionary<string, float> PartShares,
    string? UpperColor,
    string? LowerColor);
