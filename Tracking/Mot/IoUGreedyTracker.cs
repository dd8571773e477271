using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Tracking.PerCamera;

namespace UniHCP.Pipeline.Tracking.Mot;

/// <summary>
/// The plain baseline the benchmark compares against: each confident detection continues the
/// previous frame's track it overlaps most (greedy, IoU at least 0.3), else starts a track; tracks
/// without a detection end at once. No motion model, no second chance.
/// </summary>
public sealed class IoUGreedyTracker(float minScore = 0.5f, float minIoU = 0.3f)
{
    private List<(long Id, BoundingBox Box)> _previous = [];
    private long _nextId = 1;

    public IEnumerable<(long Id, BoundingBox Box)> Update(IReadOnlyList<TrackerDetection> detections)
    {
        var confident = detections.Where(d => d.Score >= minScore).ToList();
        var pairs = new List<(double IoU, int Track, int Detection)>();
        for (int t = 0; t < _previous.Count; t++)
        {
            for (int d = 0; d < confident.Count; d++)
            {
                double iou = _previous[t].Box.IoU(confident[d].Box);
                if (iou >= minIoU)
                    pairs.Add((iou, t, d));
            }
        }
        var usedTracks = new HashSet<int>();
        var usedDetections = new HashSet<int>();
        var current = new List<(long, BoundingBox)>();
        foreach (var (_, t, d) in pairs.OrderByDescending(p => p.IoU))
        {
            if (usedTracks.Contains(t) || usedDetections.Contains(d))
                continue;
            usedTracks.Add(t);
            usedDetections.Add(d);
            current.Add((_previous[t].Id, confident[d].Box));
        }
        for (int d = 0; d < confident.Count; d++)
        {
            if (!usedDetections.Contains(d))
                current.Add((_nextId++, confident[d].Box));
        }
        _previous = current;
        return current;
    }
}
