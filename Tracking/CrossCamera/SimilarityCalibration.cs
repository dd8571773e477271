using UniHCP.Pipeline.Core.Algorithms;

namespace UniHCP.Pipeline.Tracking.CrossCamera;

/// <summary>
/// Learns how alike different people look to the ReID model in use, without labels: two tracks of one camera matched
/// in the same frame are two people for certain, so the cosine similarities of such pairs are a sample of the
/// different-person similarities. A high quantile of that sample is a threshold whose false-link rate is known - and it
/// follows the weights: features that put everyone near 0.95 and features that spread people apart get their own
/// thresholds. A pair's similarity is that of the two tracks' latest appearance memories: running averages grow more
/// alike as they settle, and the identities stage compares such averages, so a pair counts with its latest value while
/// both tracks live and with its last one after (the newest finished pairs of each camera are kept). A camera's pairs can
/// be remembered from earlier runs of the same weights (<see cref="Remember"/>), so that a restart starts with thresholds.
/// </summary>
internal sealed class SimilarityCalibration(int needed, int capacity = 4096)
{
    private readonly int _capacity = Math.Max(capacity, needed);
    private readonly Dictionary<string, Ring> _finished = new(StringComparer.Ordinal);
    private int _needed = needed;
    private readonly Dictionary<(string Camera, long A, long B), double> _alive = [];
    private int _finishedCount;
    private int _length = -1;
    private double[]? _sorted;

    /// <summary>Pairs in the sample: finished (at most the capacity per camera) and alive.</summary>
    public int Pairs => _finishedCount + _alive.Count;

    /// <summary>The embedding length the sample is about (-1 before any pair).</summary>
    public int EmbeddingLength => _length;

    /// <summary>The <paramref name="quantile"/> of the different-person similarities, or null until <c>needed</c>
    /// pairs were seen. Quantiles beyond what the sample resolves give its largest value.</summary>
    public double? Quantile(double quantile)
    {
        if (Pairs < _needed)
            return null;
        if (_sorted is null)
        {
            var all = new double[Pairs];
            int at = 0;
            foreach (var ring in _finished.Values)
                at += ring.CopyTo(all.AsSpan(at));
            _alive.Values.CopyTo(all, at);
            Array.Sort(all);
            _sorted = all;
        }
        return _sorted[Math.Clamp((int)Math.Ceiling(quantile * _sorted.Length) - 1, 0, _sorted.Length - 1)];
    }

    /// <summary>Makes do with the pairs seen so far when they are at least <paramref name="minimum"/> (above 0): the
    /// quantiles are known from now on. Whether they are.</summary>
    public bool MakeDo(int minimum)
    {
        if (Pairs >= _needed)
            return true;
        if (minimum < 1 || Pairs < minimum)
            return false;
        _needed = Pairs;
        return true;
    }

    /// <summary>Takes the settled tracks matched in one frame of one camera.</summary>
    public void Observe(string camera, IReadOnlyList<ITrackAppearance> visible)
    {
        for (int i = 0; i < visible.Count; i++)
        {
            for (int j = i + 1; j < visible.Count; j++)
            {
                var (a, b) = (visible[i], visible[j]);
                if (a.Embedding.Length != b.Embedding.Length)
                    continue;
                if (a.Embedding.Length != _length)
                {
                    // Other weights (another embedding size): what was learned (or remembered) is about another model.
                    _length = a.Embedding.Length;
                    _finished.Clear();
                    _finishedCount = 0;
                    _alive.Clear();
                }
                _alive[(camera, Math.Min(a.Id, b.Id), Math.Max(a.Id, b.Id))] = Vectors.Cosine(a.Embedding.Span, b.Embedding.Span);
                _sorted = null;
            }
        }
    }

    /// <summary>A track ended: its pairs keep their last similarities among the camera's finished ones.</summary>
    public void TrackEnded(string camera, long track)
    {
        foreach (var pair in _alive.Keys.Where(p => p.Camera == camera && (p.A == track || p.B == track)).ToList())
        {
            Finish(camera, _alive[pair]);
            _alive.Remove(pair);
        }
    }

    /// <summary>Adds a camera's pairs remembered from an earlier run of the same weights, with the embedding length they
    /// were measured at. Refused (false) when the sample is already about another length.</summary>
    public bool Remember(string camera, int embeddingLength, IReadOnlyList<float> similarities)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(embeddingLength, 1);
        if (_length != -1 && _length != embeddingLength)
            return false;
        _length = embeddingLength;
        foreach (float similarity in similarities)
            Finish(camera, similarity);
        return true;
    }

    /// <summary>What to remember of one camera: its finished pairs (newest last) and its pairs alive now.</summary>
    public float[] SampleOf(string camera)
    {
        var finished = _finished.TryGetValue(camera, out var ring) ? ring : null;
        var sample = new List<float>((finished?.Count ?? 0) + 16);
        if (finished is not null)
        {
            var values = new double[finished.Count];
            finished.CopyTo(values);
            sample.AddRange(values.Select(v => (float)v));
        }
        sample.AddRange(_alive.Where(p => p.Key.Camera == camera).Select(p => (float)p.Value));
        return [.. sample];
    }

    private void Finish(string camera, double similarity)
    {
        if (!_finished.TryGetValue(camera, out var ring))
            _finished[camera] = ring = new Ring(_capacity);
        if (ring.Add(similarity))
            _finishedCount++;
        _sorted = null;
    }

    // The newest finished similarities of one camera, at most the capacity.
    private sealed class Ring(int capacity)
    {
        private readonly double[] _values = new double[capacity];
        private int _next;

        public int Count { get; private set; }

        /// <summary>Adds a value, overwriting the oldest when full; whether the count grew.</summary>
        public bool Add(double value)
        {
            _values[_next] = value;
            _next = (_next + 1) % _values.Length;
            if (Count == _values.Length)
                return false;
            Count++;
            return true;
        }

        /// <summary>Copies the values, oldest first; how many.</summary>
        public int CopyTo(Span<double> target)
        {
            int start = Count < _values.Length ? 0 : _next;
            for (int i = 0; i < Count; i++)
                target[i] = _values[(start + i) % _values.Length];
            return Count;
        }
    }
}
