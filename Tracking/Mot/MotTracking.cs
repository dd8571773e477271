using System.Diagnostics;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Tracking.PerCamera;

namespace UniHCP.Pipeline.Tracking.Mot;

/// <summary>What a tracking run over a MOTChallenge sequence produced.</summary>
public sealed record MotTrackingResult(List<MotRow> Rows, int Frames, int Detections, TimeSpan TrackingTime)
{
    public double FramesPerSecond => Frames / Math.Max(TrackingTime.TotalSeconds, 1e-9);
}

/// <summary>Runs a tracker over a sequence's detections (det.txt) frame by frame, as a camera would feed it.</summary>
public static class MotTracking
{
    /// <summary>Our tracker, motion only (MOTChallenge detections carry no embeddings). Lost tracks are kept
    /// 30 frames at the sequence's rate unless the options say otherwise.</summary>
    public static MotTrackingResult Run(MotSequence sequence, TrackerOptions? options = null)
    {
        options ??= new TrackerOptions { LostTimeout = TimeSpan.FromSeconds(30 / sequence.FrameRate) };
        var tracker = new CameraTracker("mot", options);
        return Run(sequence, (time, detections) => tracker.Update(time, detections)
            .Where(s => s.Status == TrackStatus.Confirmed && s.DetectionIndex is not null)
            .Select(s => (s.TrackId, s.Box)));
    }

    /// <summary>The baseline: <see cref="IoUGreedyTracker"/>.</summary>
    public static MotTrackingResult RunBaseline(MotSequence sequence)
    {
        var tracker = new IoUGreedyTracker();
        return Run(sequence, (_, detections) => tracker.Update(detections));
    }

    private static MotTrackingResult Run(MotSequence sequence, Func<DateTimeOffset, IReadOnlyList<TrackerDetection>, IEnumerable<(long Id, BoundingBox Box)>> step)
    {
        var detections = MotFile.Read(sequence.DetectionsPath).ToLookup(r => r.Frame);
        var rows = new List<MotRow>();
        var start = DateTimeOffset.UnixEpoch;
        long elapsed = 0;
        for (int frame = 1; frame <= sequence.Length; frame++)
        {
            var input = detections[frame].Select((r, i) => new TrackerDetection(i, r.Box, r.Confidence)).ToList();
            long before = Stopwatch.GetTimestamp();
            var output = step(start + TimeSpan.FromSeconds((frame - 1) / sequence.FrameRate), input).ToList();
            elapsed += Stopwatch.GetTimestamp() - before;
            foreach (var (id, box) in output)
                rows.Add(new MotRow(frame, (int)id, box.X1, box.Y1, box.Width, box.Height, 1));
        }
        return new MotTrackingResult(rows, sequence.Length, detections.Sum(g => g.Count()), Stopwatch.GetElapsedTime(0, elapsed));
    }
}
