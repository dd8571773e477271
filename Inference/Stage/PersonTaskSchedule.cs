using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Tracking.PerCamera;

namespace UniHCP.Pipeline.Inference.Stage;

/// <summary>
/// Which detected persons get the person tasks (ReID, pose, attributes, parsing: a crop through the encoder each): the
/// person of every track on the frame the track is confirmed on - its first stored observation - and then once every
/// <see cref="Every"/> of capture time while it is matched, not every detection.
/// <para>
/// To know the tracks before the tracking stage forms them, the schedule runs its own copy of the tracking stage's
/// tracker per camera, with the same options, fed what the tracking stage will be fed: the same detections of the same
/// frames with the embeddings described here. The tracker is deterministic, so the copy forms the same tracks, and
/// every track the store receives has an embedding from its first observation on. Because a new embedding can change
/// the frame's association (appearance is part of the cost), a frame is tried on a copy of the tracker in rounds: each
/// round describes the persons of tracks still waiting for a description, until a round asks for nobody; only then is
/// the tried tracker kept. Where the two trackers can part (a frame the model rejects after it was planned, a camera
/// handed to another process), the copy still describes every track it holds, and the next interval realigns them.
/// </para>
/// </summary>
public sealed class PersonTaskSchedule
{
    private readonly Dictionary<string, Camera> _cameras = new(StringComparer.Ordinal);
    private readonly TrackerOptions _tracker;

    /// <param name="every">Time between a followed person's descriptions.</param>
    /// <param name="tracker">The tracking stage's tracker options (Tracking:Camera).</param>
    public PersonTaskSchedule(TimeSpan every, TrackerOptions tracker)
    {
        ArgumentNullException.ThrowIfNull(tracker);
        if (every <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(every), $"The person-task interval must be positive; got {every}.");
        tracker.Validate();
        Every = every;
        _tracker = tracker;
    }

    public TimeSpan Every { get; }

    /// <summary>
    /// Describes, through <paramref name="describe"/> (detection indices in, their embeddings out), the persons of
    /// <paramref name="frame"/> that need it now. A frame at or before the camera's last one (a replay) changes nothing
    /// and gets no descriptions.
    /// </summary>
    /// <param name="unsearchedBelowHeight">As the tracking stage's tracker is told (<see cref="PersonObservations.UnsearchedBelowHeight"/>).</param>
    public void Plan(VideoFrame frame, IReadOnlyList<Detection> detections, Func<IReadOnlyList<int>, IReadOnlyList<float[]?>> describe, float unsearchedBelowHeight = 0)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(detections);
        ArgumentNullException.ThrowIfNull(describe);
        if (!_cameras.TryGetValue(frame.CameraId, out var camera))
            _cameras[frame.CameraId] = camera = new Camera(new CameraTracker(frame.CameraId, _tracker));
        if (frame.Sequence <= camera.LastSequence)
            return;
        camera.LastSequence = frame.Sequence;
        var now = frame.CaptureTime;
        var described = new bool[detections.Count];
        var embeddings = new ReadOnlyMemory<float>[detections.Count];
        while (true)
        {
            long next = camera.NextId;
            var trial = camera.Tracker.Clone(() => next++);
            trial.Update(now, detections.Select((d, i) => new TrackerDetection(i, d.Box, d.Score, embeddings[i])).ToList(), unsearchedBelowHeight);
            var wanted = trial.Tracks
                .Where(t => t.Status == TrackStatus.Confirmed && t.LastDetectionIndex is { } i && !described[i] && camera.Due(t.Id, now, Every))
                .Select(t => t.LastDetectionIndex!.Value)
                .ToList();
            if (wanted.Count == 0)
            {
                camera.Keep(trial, next, described, now);
                return;
            }
            var result = describe(wanted);
            for (int k = 0; k < wanted.Count; k++)
            {
                described[wanted[k]] = true;
                embeddings[wanted[k]] = result[k] ?? ReadOnlyMemory<float>.Empty;
            }
        }
    }

    /// <summary>Drops a camera's state (its stream ended): a camera that comes back starts afresh, as the tracker does.</summary>
    public void Forget(string cameraId) => _cameras.Remove(cameraId);

    private sealed class Camera(CameraTracker tracker)
    {
        private readonly Dictionary<long, DateTimeOffset> _lastDescribed = [];

        public CameraTracker Tracker { get; private set; } = tracker;

        public long NextId { get; private set; } = 1;

        public long LastSequence { get; set; } = long.MinValue;

        public bool Due(long track, DateTimeOffset now, TimeSpan every) =>
            !_lastDescribed.TryGetValue(track, out var last) || now - last >= every;

        public void Keep(CameraTracker tried, long nextId, bool[] described, DateTimeOffset now)
        {
            Tracker = tried;
            NextId = nextId;
            var alive = new HashSet<long>();
            foreach (var track in tried.Tracks)
            {
                alive.Add(track.Id);
                if (track.Status == TrackStatus.Confirmed && track.LastDetectionIndex is { } i && described[i])
                    _lastDescribed[track.Id] = now;
            }
            foreach (var gone in _lastDescribed.Keys.Where(id => !alive.Contains(id)).ToList())
                _lastDescribed.Remove(gone);
        }
    }
}
