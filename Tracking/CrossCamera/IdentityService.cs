using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Tracking.PerCamera;

namespace UniHCP.Pipeline.Tracking.CrossCamera;

/// <summary>
/// Live cross-camera identities. Each confirmed track with a settled appearance is matched to the
/// recent identities it could physically be - seen on a linked camera within the transit window, and
/// not on a track of the same camera at the same time - by cosine similarity of ReID embeddings; the
/// best above the threshold is taken, else a new identity begins. The thresholds are configured or learned from
/// the tracks seen together (<see cref="SimilarityCalibration"/>); tracks that settle while they are still being
/// learned wait, ended or not, and are linked in the order they began once they are known. Identities whose tracks keep
/// looking alike are merged once the evidence is repeated. Identity events are returned for
/// publishing. One instance serves all cameras; callers serialise access (the tracking stage does).
/// </summary>
public sealed class IdentityService
{
    private readonly IdentityOptions _options;
    private readonly Dictionary<long, Identity> _identities = [];
    private readonly Dictionary<(string Camera, long Track), long> _assignment = [];
    private readonly Dictionary<(long, long), int> _mergeEvidence = [];
    private readonly SimilarityCalibration _calibration;
    private readonly WaitingTracks _waiting = new();
    private long _nextId;

    /// <param name="options">Linking constraints.</param>
    /// <param name="firstIdentityId">The first id to give (a restart continues above the identities already stored).</param>
    public IdentityService(IdentityOptions? options = null, long firstIdentityId = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(firstIdentityId, 1);
        _nextId = firstIdentityId;
        _options = options ?? new IdentityOptions();
        _options.Validate();
        _calibration = new SimilarityCalibration(_options.CalibrationPairs);
    }

    /// <summary>The similarity a track needs to join the one identity it could be, now: the configured one, else the
    /// learned one (null while too few pairs of people were seen together: no identities are given yet). With more
    /// candidates the learned threshold is higher (<see cref="IdentityOptions.FalseJoinRate"/>).</summary>
    public double? JoinSimilarity => JoinThreshold(1);

    /// <summary>The similarity that counts as merge evidence against one other identity now (null: not yet known).</summary>
    public double? MergeSimilarity => MergeThreshold(1);

    private double? JoinThreshold(int candidates) =>
        _options.MinSimilarity ?? _calibration.Quantile(1 - (_options.FalseJoinRate / Math.Max(1, candidates)));

    private double? MergeThreshold(int candidates) => JoinThreshold(candidates) is not { } join ? null
        : Math.Max(join, _options.MergeSimilarity ?? _calibration.Quantile(1 - (_options.FalseMergeRate / Math.Max(1, candidates))) ?? join);

    /// <summary>Tracks that settled before the thresholds were known and were linked when they became known.</summary>
    public long LinkedAfterWaiting { get; private set; }

    /// <summary>Distinct pairs of tracks seen together that the learned thresholds come from.</summary>
    public int CalibrationPairs => _calibration.Pairs;

    /// <summary>Pairs needed before the thresholds are learned (<see cref="IdentityOptions.CalibrationPairs"/>).</summary>
    public int RequiredCalibrationPairs => _options.CalibrationPairs;

    /// <summary>The embedding length the learned thresholds are about (-1 before any pair of people was seen or remembered).</summary>
    public int CalibrationEmbeddingLength => _calibration.EmbeddingLength;

    /// <summary>Adds a camera's pairs of people seen together in earlier runs of the same weights to the sample the
    /// thresholds are learned from (with enough of them, identities are given from the first settled track). False, and
    /// nothing added, when the sample is already about another embedding length.</summary>
    public bool RememberPairs(string cameraId, RememberedPairs pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        return _calibration.Remember(cameraId, pairs.EmbeddingLength, pairs.Similarities);
    }

    /// <summary>What to remember of a camera's pairs for the next run (empty before any pair).</summary>
    public RememberedPairs PairsToRemember(string cameraId) => new(Math.Max(_calibration.EmbeddingLength, 1), _calibration.SampleOf(cameraId));

    /// <summary>The identity of a track, or null when it has none yet.</summary>
    public long? IdentityOf(string cameraId, long trackId) => _assignment.TryGetValue((cameraId, trackId), out long id) ? id : null;

    /// <summary>Identities remembered now (bounded by the retention time).</summary>
    public int Count => _identities.Count;

    /// <summary>Takes one camera's tracks after a frame; returns the identity events it caused.</summary>
    public IReadOnlyList<IdentityEvent> Observe(string cameraId, DateTimeOffset time, IReadOnlyList<ITrackAppearance> tracks)
    {
        ArgumentNullException.ThrowIfNull(tracks);
        var events = new List<IdentityEvent>();
        Forget(time);
        var settled = tracks.Where(t => t.Status == TrackStatus.Confirmed && t.HasEmbedding && t.Hits >= _options.MinTrackHits && t.LastDetectionIndex is not null).ToList();
        _calibration.Observe(cameraId, settled);
        if (JoinSimilarity is null)
        {
            _waiting.Remember(cameraId, time, settled);
            return events;
        }
        if (_waiting.Count > 0)
            LinkWaiting(cameraId, settled, events);
        foreach (var track in settled)
        {
            var key = (cameraId, track.Id);
            if (_assignment.TryGetValue(key, out long assigned))
            {
                var identity = _identities[assigned];
                identity.Seen(cameraId, track.Id, track.Embedding.Span, time);
                MergeIfEvidence(identity, cameraId, track, time, events);
                continue;
            }
            events.Add(Assign(cameraId, track.Id, track.FirstSeen, track.Embedding.Span, time));
        }
        return events;
    }

    /// <summary>Every camera's input has ended: if the thresholds are still unknown, learns them from the pairs seen so far
    /// when there are at least <see cref="IdentityOptions.EndOfInputPairs"/>, and links the tracks that waited. The
    /// events that gives (none when the thresholds were known already or too few pairs were seen).</summary>
    public IReadOnlyList<IdentityEvent> InputEnded()
    {
        var events = new List<IdentityEvent>();
        if (JoinSimilarity is not null || !_calibration.MakeDo(_options.EndOfInputPairs))
            return events;
        if (_waiting.Count > 0)
            LinkWaiting(string.Empty, [], events);
        return events;
    }

    // The thresholds have just become known: the tracks that settled before wait no longer. Those not in this frame
    // (ended, or missed in it) are linked now, in the order they began, each as of its latest sighting - so that a
    // person who came and went in the first minutes of a camera still has an identity; the others follow as usual.
    private void LinkWaiting(string cameraId, List<ITrackAppearance> settled, List<IdentityEvent> events)
    {
        var now = settled.Select(t => (cameraId, t.Id)).ToHashSet();
        LinkedAfterWaiting += _waiting.Count;
        foreach (var waiting in _waiting.InOrderOfStart().Where(w => !now.Contains((w.Camera, w.Track))))
        {
            events.Add(Assign(waiting.Camera, waiting.Track, waiting.FirstSeen, waiting.Embedding, waiting.LastSeen));
            if (waiting.Ended)
                TrackEnded(waiting.Camera, waiting.Track);
        }
        _waiting.Clear();
    }

    private IdentityEvent Assign(string cameraId, long trackId, DateTimeOffset firstSeen, ReadOnlySpan<float> embedding, DateTimeOffset time)
    {
        var (best, similarity) = BestCandidate(cameraId, firstSeen, embedding);
        if (best is null)
        {
            best = new Identity(_nextId++);
            _identities[best.Id] = best;
            similarity = 0;
        }
        best.Seen(cameraId, trackId, embedding, time);
        _assignment[(cameraId, trackId)] = best.Id;
        return new IdentityEvent(cameraId, trackId, best.Id, IdentityEventKind.Assigned, time, similarity);
    }

    /// <summary>A track ended (removed by its tracker): its identity no longer occupies the camera.</summary>
    public void TrackEnded(string cameraId, long trackId)
    {
        _waiting.Ended(cameraId, trackId);
        _calibration.TrackEnded(cameraId, trackId);
        if (_assignment.Remove((cameraId, trackId), out long id) && _identities.TryGetValue(id, out var identity))
            identity.Ended(cameraId, trackId);
    }

    private (Identity? Identity, double Similarity) BestCandidate(string cameraId, DateTimeOffset firstSeen, ReadOnlySpan<float> embedding)
    {
        var candidates = _identities.Values.Where(i => Possible(i, cameraId, firstSeen)).ToList();
        if (candidates.Count == 0 || JoinThreshold(candidates.Count) is not { } join)
            return (null, 0);
        Identity? best = null;
        double bestSimilarity = join;
        foreach (var identity in candidates)
        {
            double similarity = identity.Similarity(embedding);
            if (similarity >= bestSimilarity)
            {
                best = identity;
                bestSimilarity = similarity;
            }
        }
        return (best, bestSimilarity);
    }

    // Could this person be the identity? Not while the identity is on another track of this camera;
    // on another camera at the same time only where the two views overlap (a link with no minimum
    // transit); and its latest sighting elsewhere must be linked to this camera, with the time from
    // there to this track's start inside the link's transit window.
    private bool Possible(Identity identity, string cameraId, DateTimeOffset trackStart)
    {
        if (identity.ActiveOn(cameraId))
            return false;
        (string Camera, DateTimeOffset LastSeen)? latest = null;
        foreach (var (camera, lastSeen, active) in identity.Sightings())
        {
            if (active)
            {
                if (Link(camera, cameraId) is not { } overlap || overlap.Min > TimeSpan.Zero)
                    return false;
                continue;
            }
            if (latest is null || lastSeen > latest.Value.LastSeen)
                latest = (camera, lastSeen);
        }
        if (latest is not { } last)
            return true;
        if (Link(last.Camera, cameraId) is not { } link)
            return false;
        var transit = trackStart - last.LastSeen;
        return transit >= link.Min && transit <= link.Max;
    }

    private (TimeSpan Min, TimeSpan Max)? Link(string from, string to)
    {
        if (_options.Links.Count == 0)
            return from == to ? (TimeSpan.Zero, _options.Retention) : (_options.DefaultMinTransit, _options.DefaultMaxTransit);
        if (from == to)
            return (TimeSpan.Zero, _options.Retention);
        foreach (var link in _options.Links)
        {
            if ((link.From == from && link.To == to) || (link.BothWays && link.From == to && link.To == from))
                return (link.MinTransit, link.MaxTransit);
        }
        return null;
    }

    private void MergeIfEvidence(Identity identity, string cameraId, ITrackAppearance track, DateTimeOffset time, List<IdentityEvent> events)
    {
        var others = _identities.Values.Where(o => o.Id != identity.Id && !o.SharesCameraWith(identity) && Possible(o, cameraId, track.FirstSeen)).ToList();
        if (others.Count == 0 || MergeThreshold(others.Count) is not { } merge)
            return;
        foreach (var other in others)
        {
            if (other.Similarity(track.Embedding.Span) < merge)
                continue;
            var pair = (Math.Min(identity.Id, other.Id), Math.Max(identity.Id, other.Id));
            int evidence = _mergeEvidence.GetValueOrDefault(pair) + 1;
            _mergeEvidence[pair] = evidence;
            if (evidence < _options.MergeEvidence)
                continue;
            // The older identity absorbs the younger; every track of the younger is told.
            var (keep, drop) = identity.Id < other.Id ? (identity, other) : (other, identity);
            keep.Absorb(drop);
            _identities.Remove(drop.Id);
            _mergeEvidence.Remove(pair);
            foreach (var key in _assignment.Where(p => p.Value == drop.Id).Select(p => p.Key).ToList())
            {
                _assignment[key] = keep.Id;
                events.Add(new IdentityEvent(key.Camera, key.Track, keep.Id, IdentityEventKind.Merged, time, keep.Similarity(track.Embedding.Span), drop.Id));
            }
            return;
        }
    }

    private void Forget(DateTimeOffset now)
    {
        foreach (var identity in _identities.Values.Where(i => !i.AnyActive && now - i.LastSeen > _options.Retention).ToList())
            _identities.Remove(identity.Id);
    }
}
