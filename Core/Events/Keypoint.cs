namespace UniHCP.Pipeline.Core.Events;

/// <summary>One body joint in source-frame pixels, in the order of the model's joint set (COCO-17 by default).</summary>
/// <param name="X">Column in pixels.</param>
/// <param name="Y">Row in pixels.</param>
/// <param name="Score">Confidence in [0, 1].</param>
/// <param name="Visible">Whether the joint is predicted visible (not occluded or out of frame).</param>
public readonly record struct Keypoint(float X, float Y, float Score, bool Visible);
