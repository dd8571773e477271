using UniHCP.Pipeline.Core.Algorithms;

namespace UniHCP.Pipeline.Tracking.CrossCamera;

/// <summary>
/// Learns how alike different people look to the ReID model in use, without labels: two tracks of one camera matched
/// in the same frame are two people for certain, so the cosine similarities of such pairs are a sample of the
/// different-person similarities. A high quantile of that sample is a threshold whose false-link rate is known - and it
/// follows the weights: features that put everyone near 0.95 and features that spread people apart get their own
/// thresholds. A pair's similarity is that of the two tracks' latest appearance memories: running averages grow more
/// alike as they settle, and the identities stage compares such averages, so a pair counts with its latest value while
/// both tracks live and with its last one after (the newest finished pairs are kept).
/// </summary>
internal sealed class SimilarityCalibration(int needed, int capacity = 4096)
{
    private readonly double[] _finished = new double[Math.Max(capacity, needed)];
    private int _needed = needed;
    private readonly Dictionary<(string Camera, long A, long B), double> _alive = [];
    private int _finishedCount;
    private int _next;
    private int _length = -1;
    private double[]? _sorted;

    /// <summary>Pairs in the sample: finished (at most the capacity) and alive.</summary>
    public int Pairs => _finishedCount + _alive.Count;

    /// <summary>The <paramref name="quantile"/> of the different-person similarities, or null until <c>needed</c>
    /// pairs were seen. Quantiles beyond what the sample resolves give its largest value.</summary>
    public double? Quantile(double quantile)
    {
        if (Pairs < _needed)
            return null;
        if (_sorted is null)
        {
            _sorted = [.. _finished.AsSpan(0, _finishedCount), .. _alive.Values];
            Array.Sort(_sorted);
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
                    // Other weights (another embedding size): what was learned is about another model.
                    _length = a.Embedding.Length;
                    _finishedCount = 0;
                    _next = 0;
                    _alive.Clear();
                }
                _alive[(camera, Math.Min(a.Id, b.Id), Math.Max(a.Id, b.Id))] = Vectors.Cosine(a.Embedding.Span, b.Embedding.Span);
                _sorted = null;
            }
        }
    }

    /// <summary>A track ended: its pairs keep their last similarities among the finished ones.</summary>
    public void TrackEnded(string camera, long track)
    {
        foreach (var pair in _alive.Keys.Where(p => p.Camera == camera && (p.A == track || p.B == track)).ToList())
        {
            _finished[_next] = _alive[pair];
            _next = (_next + 1) % _finished.Length;
            _finishedCount = Math.Min(_finishedCount + 1, _finished.Length);
            _alive.Remove(pair);
        }
    }
}
