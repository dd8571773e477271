using UniHCP.Pipeline.Core.Algorithms;
using UniHCP.Pipeline.Core.Events;

namespace UniHCP.Pipeline.Tracking.PerCamera;

/// <summary>
/// Multi-object tracking for one camera, in the manner of ByteTrack and BoT-SORT: Kalman motion,
/// a first association of confident detections with confirmed and lost tracks on a cost fusing box
/// overlap with ReID appearance (appearance only counts where the move is physically plausible),
/// a second association of low-score detections with the remaining visible tracks on overlap alone,
/// tentative tracks confirmed after <see cref="TrackerOptions.ConfirmHits"/> matches, lost tracks kept
/// for <see cref="TrackerOptions.LostTimeout"/>. Works without embeddings (motion only).
/// One instance per camera; not thread-safe.
/// </summary>
public sealed class CameraTracker
{
    private readonly TrackerOptions _options;
    private readonly List<Track> _tracks = [];
    private readonly Func<long> _nextId;
    private bool _started;
    private long _frame;
    private DateTimeOffset _lastTime;
    private double _interval = 1;

    /// <param name="cameraId">The camera.</param>
    /// <param name="options">Association and life-cycle settings.</param>
    /// <param name="firstTrackId">The first id to give; later tracks count up from it.</param>
    public CameraTracker(string cameraId, TrackerOptions? options = null, long firstTrackId = 1)
        : this(cameraId, options, Counter(firstTrackId))
    {
    }

    /// <param name="cameraId">The camera.</param>
    /// <param name="options">Association and life-cycle settings.</param>
    /// <param name="nextId">Gives each new track its id (the tracking stage draws them from blocks reserved in the store,
    /// so that no two processes give one id).</param>
    public CameraTracker(string cameraId, TrackerOptions? options, Func<long> nextId)
    {
        CameraId = Core.Events.CameraId.Validate(cameraId);
        ArgumentNullException.ThrowIfNull(nextId);
        _nextId = nextId;
        _options = options ?? new TrackerOptions();
        _options.Validate();
    }

    private static Func<long> Counter(long first)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(first, 1);
        long next = first;
        return () => next++;
    }

    public string CameraId { get; }

    /// <summary>
    /// An independent copy of every track and of the life-cycle state, giving new ids from <paramref name="nextId"/>:
    /// the same later updates give the copy the same tracks as the original (ids aside).
    /// </summary>
    public CameraTracker Clone(Func<long> nextId)
    {
        var copy = new CameraTracker(CameraId, _options, nextId) { _started = _started, _frame = _frame, _lastTime = _lastTime, _interval = _interval };
        copy._tracks.AddRange(_tracks.Select(t => t.Copy()));
        return copy;
    }

    /// <summary>Tracks alive now (tentative, confirmed or lost).</summary>
    public IReadOnlyList<Track> Tracks => _tracks;

    /// <summary>
    /// Advances one frame. Returns the state of every track that is alive or changed state in this
    /// frame (removed tracks once, with <see cref="TrackStatus.Removed"/>), ordered by id.
    /// </summary>
    /// <param name="unsearchedBelowHeight">0, or: people shorter than this (pixels) were not looked for in this frame
    /// (read whole between frames read as tiles), so a new track of such a person that finds no detection here is kept
    /// for the next frame instead of ended as a false start, and a lost one is not ended for its timeout until a frame
    /// that looked for it. Confirmed tracks go lost as always: the store fills their gap once they are found again.</param>
    public IReadOnlyList<TrackState> Update(DateTimeOffset time, IReadOnlyList<TrackerDetection> detections, float unsearchedBelowHeight = 0)
    {
        ArgumentNullException.ThrowIfNull(detections);
        _frame++;
        _interval = NoiseInterval(time);
        foreach (var track in _tracks)
        {
            track.Filter.Predict(_interval);
            track.LastDetectionIndex = null;
        }
        var high = detections.Where(d => d.Score >= _options.HighScore).ToList();
        var low = detections.Where(d => d.Score >= _options.LowScore && d.Score < _options.HighScore).ToList();

        // 1. Confident detections with confirmed and lost tracks (fused motion and appearance).
        var pool = _tracks.Where(t => t.Status is TrackStatus.Confirmed or TrackStatus.Lost).ToList();
        var firstCost = FusedCost(pool, high, time, fuseScore: _options.FuseScore);
        AddDirectionCost(firstCost, pool, high);
        var (matched, unmatchedTracks, unmatchedHigh) = Associate(pool, high, firstCost, _options.FirstMatchMaxCost);
        foreach (var (track, detection) in matched)
        {
            Match(track, detection, time);
            track.Status = TrackStatus.Confirmed;
        }

        // 2. Low-score detections with the visible tracks left over (overlap only: their embeddings are unreliable).
        var visible = unmatchedTracks.Where(t => t.Status == TrackStatus.Confirmed).ToList();
        var (matchedLow, stillUnmatched, _) = Associate(visible, low, IoUCost(visible, low), _options.SecondMatchMaxCost);
        foreach (var (track, detection) in matchedLow)
            Match(track, detection, time);
        if (_options.ObservationRecovery)
        {
            // Confirmed and lost tracks left over against the confident detections left, by their last observation.
            var leftover = stillUnmatched.Concat(unmatchedTracks.Where(t => t.Status == TrackStatus.Lost)).ToList();
            var (recovered, _, notRecovered) = Associate(leftover, unmatchedHigh, LastObservationCost(leftover, unmatchedHigh), _options.SecondMatchMaxCost);
            foreach (var (track, detection) in recovered)
            {
                Match(track, detection, time);
                track.Status = TrackStatus.Confirmed;
            }
            var recoveredTracks = recovered.Select(p => p.Item1).ToHashSet();
            stillUnmatched = stillUnmatched.Where(t => !recoveredTracks.Contains(t)).ToList();
            unmatchedHigh = notRecovered;
        }
        foreach (var track in stillUnmatched)
        {
            if (track.Status == TrackStatus.Confirmed)
            {
                track.Status = TrackStatus.Lost;
                track.Filter.FreezeSize();
            }
        }

        // 3. Tentative tracks with the confident detections left; unmatched tentative tracks end.
        var tentative = _tracks.Where(t => t.Status == TrackStatus.Tentative).ToList();
        var (matchedTentative, unmatchedTentative, remaining) = Associate(tentative, unmatchedHigh, FusedCost(tentative, unmatchedHigh, time, fuseScore: _options.FuseScore), _options.TentativeMatchMaxCost);
        foreach (var (track, detection) in matchedTentative)
        {
            Match(track, detection, time);
            if (track.Hits >= _options.ConfirmHits)
                track.Status = TrackStatus.Confirmed;
        }
        var states = new List<TrackState>();
        foreach (var track in unmatchedTentative.Where(t => t.Box.Height > unsearchedBelowHeight))
            Remove(track, states);

        // 4. New tracks from confident detections nobody claimed (confirmed at once on the first frame).
        foreach (var detection in remaining.Where(d => d.Score >= _options.NewTrackScore))
            _tracks.Add(new Track(_nextId(), detection, time, confirmed: !_started || _options.ConfirmHits <= 1, _frame));
        _started = true;

        // 5. Lost tracks past their timeout end - but not those this frame did not look for: they wait for a frame that
        // does (read as tiles), which matches before it ends anything, however long the source takes between such frames.
        foreach (var track in _tracks.Where(t => t.Status == TrackStatus.Lost && time - t.LastSeen > _options.LostTimeout && t.Box.Height > unsearchedBelowHeight).ToList())
            Remove(track, states);

        foreach (var track in _tracks)
            states.Add(new TrackState(track.Id, track.Status, track.Box, track.LastDetectionIndex, null));
        states.Sort((a, b) => a.TrackId.CompareTo(b.TrackId));
        return states;
    }

    // The frame interval relative to the one the motion noise is tuned for; 1 without a rate to compare with.
    // Clamped so that a stalled or bursty feed does not blow the noise up or shrink it to nothing.
    private double NoiseInterval(DateTimeOffset time)
    {
        var previous = _lastTime;
        _lastTime = time;
        if (_options.NoiseFrameRate <= 0 || !_started || time <= previous)
            return 1;
        return Math.Clamp((time - previous).TotalSeconds * _options.NoiseFrameRate, 0.25, 4);
    }

    private void Match(Track track, TrackerDetection detection, DateTimeOffset time) =>
        track.Matched(detection, time, _options.EmbeddingMomentum, _frame, _options.ObservationReupdate, _options.DirectionFrames, _interval);

    // OC-SORT's momentum: a detection in the direction the track has been moving is cheaper, one behind it
    // dearer, in proportion to the detection's score. Only where the pair passes the overlap gate already,
    // so the term re-ranks plausible pairs and never admits new ones; costs stay >= 0 for the solver.
    private void AddDirectionCost(double[,] cost, List<Track> tracks, List<TrackerDetection> detections)
    {
        if (_options.DirectionWeight <= 0)
            return;
        for (int i = 0; i < tracks.Count; i++)
        {
            if (tracks[i].Direction is not { } direction)
                continue;
            var reference = tracks[i].ReferenceBox(_frame, _options.DirectionFrames);
            for (int j = 0; j < detections.Count; j++)
            {
                if (cost[i, j] > _options.FirstMatchMaxCost)
                    continue;
                var box = detections[j].Box;
                double dx = Track.Cx(box) - Track.Cx(reference), dy = Track.Cy(box) - Track.Cy(reference);
                double norm = Math.Sqrt((dx * dx) + (dy * dy));
                if (norm < 1e-6)
                    continue;
                double cos = Math.Clamp(((dx * direction.X) + (dy * direction.Y)) / norm, -1, 1);
                double agreement = ((Math.PI / 2) - Math.Acos(cos)) / Math.PI; // -0.5 (opposite) .. 0.5 (same)
                cost[i, j] = Math.Clamp(cost[i, j] - (_options.DirectionWeight * agreement * detections[j].Score), 0, _options.FirstMatchMaxCost);
            }
        }
    }

    private static double[,] LastObservationCost(List<Track> tracks, List<TrackerDetection> detections)
    {
        var cost = new double[tracks.Count, detections.Count];
        for (int i = 0; i < tracks.Count; i++)
        {
            for (int j = 0; j < detections.Count; j++)
                cost[i, j] = 1 - tracks[i].LastBox.IoU(detections[j].Box);
        }
        return cost;
    }

    private void Remove(Track track, List<TrackState> states)
    {
        _tracks.Remove(track);
        track.Status = TrackStatus.Removed;
        states.Add(new TrackState(track.Id, TrackStatus.Removed, track.Box, null, null));
    }

    private static (List<(Track, TrackerDetection)> Matched, List<Track> UnmatchedTracks, List<TrackerDetection> UnmatchedDetections) Associate(
        List<Track> tracks, List<TrackerDetection> detections, double[,] cost, double limit)
    {
        var pairs = LinearAssignment.SolveWithLimit(cost, limit);
        var matchedTracks = new HashSet<int>(pairs.Select(p => p.Row));
        var matchedDetections = new HashSet<int>(pairs.Select(p => p.Column));
        return (
            pairs.Select(p => (tracks[p.Row], detections[p.Column])).ToList(),
            tracks.Where((_, i) => !matchedTracks.Contains(i)).ToList(),
            detections.Where((_, j) => !matchedDetections.Contains(j)).ToList());
    }

    private static double[,] IoUCost(List<Track> tracks, List<TrackerDetection> detections)
    {
        var cost = new double[tracks.Count, detections.Count];
        for (int i = 0; i < tracks.Count; i++)
        {
            var box = tracks[i].Box;
            for (int j = 0; j < detections.Count; j++)
                cost[i, j] = 1 - box.IoU(detections[j].Box);
        }
        return cost;
    }

    // Overlap distance, optionally scaled by the detection's score; where both sides have
    // embeddings, the appearance distance replaces it when lower - but only within the gates: a
    // visible track must overlap the detection, a lost one must be within reach at a walking pace.
    private double[,] FusedCost(List<Track> tracks, List<TrackerDetection> detections, DateTimeOffset time, bool fuseScore)
    {
        var cost = new double[tracks.Count, detections.Count];
        for (int i = 0; i < tracks.Count; i++)
        {
            var track = tracks[i];
            var box = track.Box;
            for (int j = 0; j < detections.Count; j++)
            {
                var detection = detections[j];
                double iou = box.IoU(detection.Box);
                double motion = 1 - (fuseScore ? iou * detection.Score : iou);
                cost[i, j] = motion;
                if (!track.HasEmbedding || detection.Embedding.IsEmpty || detection.Embedding.Length != track.Embedding.Length)
                    continue;
                double appearance = (1 - Vectors.Cosine(track.Embedding.Span, detection.Embedding.Span)) / 2;
                if (appearance > _options.AppearanceMaxDistance)
                    continue;
                bool plausible = track.Status == TrackStatus.Lost
                    ? WithinReach(track, detection.Box, time)
                    : 1 - iou <= _options.ProximityMaxIoUDistance;
                if (plausible)
                    cost[i, j] = Math.Min(motion, appearance);
            }
        }
        return cost;
    }

    private bool WithinReach(Track track, BoundingBox box, DateTimeOffset time)
    {
        var last = track.LastBox;
        double height = Math.Max(last.Height, 1);
        double dx = ((box.X1 + box.X2) / 2.0) - ((last.X1 + last.X2) / 2.0);
        double dy = ((box.Y1 + box.Y2) / 2.0) - ((last.Y1 + last.Y2) / 2.0);
        double seconds = Math.Max(0, (time - track.LastSeen).TotalSeconds);
        double reach = ((_options.MaxSpeedHeightsPerSecond * seconds) + 1) * height;
        return (dx * dx) + (dy * dy) <= reach * reach;
    }
}
