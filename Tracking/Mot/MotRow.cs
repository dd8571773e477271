using UniHCP.Pipeline.Core.Events;

namespace UniHCP.Pipeline.Tracking.Mot;

/// <summary>
/// One line of a MOTChallenge text file: frame (1-based), id (-1 for detections), box (x, y, w, h
/// in pixels, left-top origin), confidence (ground truth: 0 means "ignore"), class and visibility
/// (MOT16/17 ground truth; -1 when absent).
/// </summary>
public readonly record struct MotRow(int Frame, int Id, float X, float Y, float Width, float Height, float Confidence, int Class = -1, float Visibility = -1)
{
    public BoundingBox Box => new(X, Y, X + Width, Y + Height);
}
