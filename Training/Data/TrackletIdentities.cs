using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Processing;
using UniHCP.Pipeline.Ingest;
using UniHCP.Pipeline.Tracking.PerCamera;

namespace UniHCP.Pipeline.Training.Data;

/// <summary>One person box of a tracklet: the frame it is in, its box and the tracklet's identity.</summary>
public sealed record IdentityCrop(long Frame, RgbImage Image, BoundingBox Box, int Identity);

/// <summary>
/// Pseudo identities for ReID from a video without identity labels: the teacher's confident person boxes
/// (<see cref="VideoTeacherReader.BoxScore"/>) linked frame to frame by our own tracker (motion only), each confirmed
/// track one identity. Tracks can switch people where they cross, so the labels are noisy; tracks shorter than
/// <paramref name="minLength"/> boxes are dropped (too few views to learn from).
/// </summary>
public static class TrackletIdentities
{
    public static async Task<List<IdentityCrop>> ReadAsync(string cocoPath, string videoPath, Func<long, bool> frames, int minLength = 8, double frameRate = 10, CancellationToken cancellationToken = default)
    {
        var boxes = await VideoTeacherReader.ReadDetectionAsync(cocoPath, videoPath, frames, cancellationToken).ConfigureAwait(false);
        var tracker = new CameraTracker("teacher", new TrackerOptions { LostTimeout = TimeSpan.FromSeconds(3) });
        var crops = new List<(long Frame, RgbImage Image, BoundingBox Box, long Track)>();
        foreach (var sample in boxes.OrderBy(s => s.Id, StringComparer.Ordinal))
        {
            long frame = long.Parse(sample.Id["frame_".Length..], System.Globalization.CultureInfo.InvariantCulture);
            var detections = sample.Boxes.Select((b, i) => new TrackerDetection(i, b, 0.9f)).ToList();
            var states = tracker.Update(DateTimeOffset.UnixEpoch.AddSeconds(frame / frameRate), detections);
            foreach (var state in states.Where(s => s.Status == TrackStatus.Confirmed && s.DetectionIndex is not null))
                crops.Add((frame, sample.Image, sample.Boxes[state.DetectionIndex!.Value], state.TrackId));
        }
        var kept = crops.GroupBy(c => c.Track).Where(g => g.Count() >= minLength).ToList();
        return [.. kept.SelectMany((g, identity) => g.Select(c => new IdentityCrop(c.Frame, c.Image, c.Box, identity)))];
    }
}
