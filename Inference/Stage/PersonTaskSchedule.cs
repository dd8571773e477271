using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Engine;

namespace UniHCP.Pipeline.Inference.Stage;

/// <summary>
/// Which detected persons get the person tasks (ReID, pose, attributes, parsing: a crop through the encoder each) in a
/// frame: a person followed from frame to frame gets them from their first sighting scored at least
/// <see cref="MinScore"/> for <see cref="ConfirmFrames"/> frames, and then once every <see cref="Every"/> of capture
/// time, not on every detection. The minimum and the frame count are the tracker's for starting and confirming a track
/// (Tracking:Camera:NewTrackScore and ConfirmHits): the observation a track is confirmed on - its first stored one - is
/// then described, so every stored track has an embedding; people the tracker would never follow cost no crops. The tracker downstream links the described observations with the others of the same person, so
/// each track carries an embedding and descriptions at a fraction of the crops. Persons are followed here by box
/// overlap alone (greedy, highest IoU first): a cheap stand-in for the tracker, which this stage does not wait for;
/// a mistaken hand-over only moves one description to another sighting.
/// </summary>
public sealed class PersonTaskSchedule(TimeSpan every, float minScore, int confirmFrames)
{
    /// <summary>Overlap that makes a detection the same person as a sighting of the previous analysed frame.</summary>
    public const float SameIoU = 0.3f;

    /// <summary>A sighting not seen for this long is forgotten, and a person who comes back is described again: kept
    /// shorter than the tracker's lost-track timeout (1 s by default), so that a person the tracker gives a new track
    /// after a gap is described for it.</summary>
    public static readonly TimeSpan Forget = TimeSpan.FromSeconds(0.5);

    private readonly Dictionary<string, Camera> _cameras = new(StringComparer.Ordinal);

    public TimeSpan Every { get; } = every > TimeSpan.Zero ? every : throw new ArgumentOutOfRangeException(nameof(every), $"The person-task interval must be positive; got {every}.");

    public int ConfirmFrames { get; } = confirmFrames >= 1 ? confirmFrames : throw new ArgumentOutOfRangeException(nameof(confirmFrames), $"The confirmation frames must be at least 1; got {confirmFrames}.");

    public float MinScore { get; } = minScore is >= 0 and <= 1 ? minScore : throw new ArgumentOutOfRangeException(nameof(minScore), $"The person-task minimum score must be in [0, 1]; got {minScore}.");

    /// <summary>For each detection of <paramref name="frame"/>, whether it gets the person tasks now. A frame at or
    /// before the camera's last one (a replay) changes nothing and gets no descriptions.</summary>
    public bool[] Select(VideoFrame frame, IReadOnlyList<Detection> detections)
    {
        if (!_cameras.TryGetValue(frame.CameraId, out var camera))
            _cameras[frame.CameraId] = camera = new Camera();
        var chosen = new bool[detections.Count];
        if (frame.Sequence <= camera.LastSequence)
            return chosen;
        camera.LastSequence = frame.Sequence;
        var now = frame.CaptureTime;
        camera.Sightings.RemoveAll(s => now - s.LastSeen > Forget);

        var pairs = new List<(float IoU, int Detection, Sighting Sighting)>();
        for (int d = 0; d < detections.Count; d++)
        {
            foreach (var sighting in camera.Sightings)
            {
                float overlap = detections[d].Box.IoU(sighting.Box);
                if (overlap >= SameIoU)
                    pairs.Add((overlap, d, sighting));
            }
        }
        var matched = new Sighting?[detections.Count];
        var taken = new HashSet<Sighting>();
        foreach (var (_, d, sighting) in pairs.OrderByDescending(p => p.IoU))
        {
            if (matched[d] is null && taken.Add(sighting))
                matched[d] = sighting;
        }
        for (int d = 0; d < detections.Count; d++)
        {
            var sighting = matched[d];
            if (sighting is null)
            {
                sighting = new Sighting();
                camera.Sightings.Add(sighting);
            }
            sighting.Box = detections[d].Box;
            sighting.LastSeen = now;
            if (sighting.Started == 0 && detections[d].Score < MinScore)
                continue;
            sighting.Started++;
            if (sighting.Started <= ConfirmFrames || sighting.LastDescribed is not { } last || now - last >= Every)
            {
                sighting.LastDescribed = now;
                chosen[d] = true;
            }
        }
        return chosen;
    }

    private sealed class Camera
    {
        public long LastSequence { get; set; } = long.MinValue;

        public List<Sighting> Sightings { get; } = [];
    }

    private sealed class Sighting
    {
        public BoundingBox Box { get; set; }

        /// <summary>Frames since the first one scored for a track to start (0: not started).</summary>
        public int Started { get; set; }

        public DateTimeOffset LastSeen { get; set; }

        public DateTimeOffset? LastDescribed { get; set; }
    }
}
