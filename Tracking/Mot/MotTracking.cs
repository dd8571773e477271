using System.Diagnostics;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Tracking.PerCamera;

namespace UniHCP.Pipeline.Tracking.Mot;

/// <summary>What a tracking run over a MOTChallenge sequence produced.</summary>
/// <param name="ScoreRange">The lowest and highest detection score read (0, 0 without detections): the score settings
/// assume probabilities, which some public detectors (MOT17's DPM) do not give.</param>
public sealed record MotTrackingResult(List<MotRow> Rows, int Frames, int Detections, TimeSpan TrackingTime, (float Min, float Max) ScoreRange = default)
{
    public double FramesPerSecond => Frames / Math.Max(TrackingTime.TotalSeconds, 1e-9);

    /// <summary>Whether every detection score lies in [0, 1], the scale the tracker's score settings are for.</summary>
    public bool ScoresAreProbabilities => ScoreRange.Min >= 0 && ScoreRange.Max <= 1;
}

/// <summary>Runs a tracker over a sequence's detections (det.txt) frame by frame, as a camera would feed it.</summary>
public static class MotTracking
{
    /// <summary>Our tracker, motion only (MOTChallenge detections carry no embeddings), with <see cref="MotDefaults"/>
    /// unless options are given, writing the boxes <paramref name="output"/> selects (default: <see cref="MotOutputOptions"/>'s).</summary>
    public static MotTrackingResult Run(MotSequence sequence, TrackerOptions? options = null, MotOutputOptions? output = null)
    {
        options ??= MotDefaults;
        output ??= new MotOutputOptions();
        output.Validate();
        var tracker = new CameraTracker("mot", options);
        var missed = new Dictionary<long, int>(); // frames since each confirmed track's last match
        int predictedFrames = (int)Math.Round(output.PredictedFor.TotalSeconds * sequence.FrameRate);
        return Run(sequence, (time, detections) => Select(tracker.Update(time, detections), detections, output, predictedFrames, missed, sequence));
    }

    private static IEnumerable<(long Id, BoundingBox Box)> Select(IReadOnlyList<TrackState> states, IReadOnlyList<TrackerDetection> detections,
        MotOutputOptions output, int predictedFrames, Dictionary<long, int> missed, MotSequence sequence)
    {
        var rows = new List<(long, BoundingBox)>();
        var predicted = new List<(long, BoundingBox)>();
        foreach (var s in states)
        {
            if (s.Status == TrackStatus.Removed)
            {
                missed.Remove(s.TrackId);
                continue;
            }
            if (s.DetectionIndex is { } index)
            {
                if (s.Status == TrackStatus.Confirmed)
                    missed[s.TrackId] = 0;
                if (s.Status == TrackStatus.Confirmed || (output.Tentative && s.Status == TrackStatus.Tentative))
                    rows.Add((s.TrackId, output.DetectionBox ? detections[index].Box : s.Box));
            }
            else if (missed.TryGetValue(s.TrackId, out int frames))
            {
                missed[s.TrackId] = ++frames;
                if (frames <= predictedFrames && (!output.PredictedInsideImage || Inside(s.Box, sequence)))
                    predicted.Add((s.TrackId, s.Box));
            }
        }
        // Occlusion evidence is judged against the observed boxes only, so predictions do not vouch for each other.
        int observed = rows.Count;
        foreach (var (id, box) in predicted)
        {
            if (output.PredictedMinCover <= 0 || Cover(box, rows, observed) >= output.PredictedMinCover)
                rows.Add((id, box));
        }
        return rows;
    }

    private static bool Inside(BoundingBox box, MotSequence sequence)
    {
        double cx = (box.X1 + box.X2) / 2.0, cy = (box.Y1 + box.Y2) / 2.0;
        return cx >= 0 && cy >= 0 && cx < sequence.Width && cy < sequence.Height;
    }

    // The largest fraction of the box's area that one of the first count others covers.
    private static double Cover(BoundingBox box, List<(long, BoundingBox)> others, int count)
    {
        double area = Math.Max(box.Width * (double)box.Height, 1e-6), best = 0;
        for (int i = 0; i < count; i++)
        {
            var other = others[i].Item2;
            double w = Math.Min(box.X2, other.X2) - Math.Max(box.X1, other.X1), h = Math.Min(box.Y2, other.Y2) - Math.Max(box.Y1, other.Y1);
            if (w > 0 && h > 0)
                best = Math.Max(best, w * h / area);
        }
        return best;
    }

    /// <summary>
    /// The tracker settings for MOTChallenge runs. Lost tracks are kept 3 s rather than the 1 s of the defaults
    /// (ByteTrack's 30 frames): motion only, the public detections miss people for long stretches behind others,
    /// and on MOT17-02/05/09 anything from 2 to 4 s beats 1 s on every sequence (left-out choice: 3, 3 and 2 s).
    /// </summary>
    public static TrackerOptions MotDefaults { get; } = new() { LostTimeout = TimeSpan.FromSeconds(3) };

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
        var scores = detections.SelectMany(g => g).Select(r => r.Confidence).ToList();
        var range = scores.Count == 0 ? default : (scores.Min(), scores.Max());
        return new MotTrackingResult(rows, sequence.Length, scores.Count, Stopwatch.GetElapsedTime(0, elapsed), range);
    }
}
