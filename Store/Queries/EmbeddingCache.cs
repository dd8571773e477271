using System.Collections.Concurrent;
using System.Numerics.Tensors;
using Dapper;
using Npgsql;

namespace UniHCP.Pipeline.Store.Queries;

/// <summary>
/// Unit-length mean embeddings of tracks, kept in memory so that similarity search reads each
/// track's embedding sum from PostgreSQL once, not per query (50,000 tracks of 1536 floats is
/// 300 MB: too much to move per query, little to keep). An entry remembers how many embeddings
/// its sum held, so a track that grew since is read again. Entries beyond the capacity are
/// dropped least-recently-used first.
/// </summary>
public sealed class EmbeddingCache(int capacity = 200_000)
{
    private sealed class Entry(int count, float[] unit)
    {
        public int Count { get; } = count;
        public float[] Unit { get; } = unit;
        public long LastUsed { get; set; }
    }

    private readonly ConcurrentDictionary<(string Camera, long Track), Entry> _entries = new();
    private long _clock;

    public int Count => _entries.Count;

    /// <summary>Embeddings for the candidates (camera, track, embeddings summed); tracks without one are left out.</summary>
    internal async Task<List<((string Camera, long Track) Key, float[] Unit)>> GetAsync(
        NpgsqlConnection connection, IReadOnlyList<(string Camera, long Track, int Count)> candidates, CancellationToken cancellationToken)
    {
        long now = Interlocked.Increment(ref _clock);
        var result = new List<((string, long), float[])>(candidates.Count);
        var missing = new List<(string Camera, long Track)>();
        foreach (var (camera, track, count) in candidates)
        {
            if (_entries.TryGetValue((camera, track), out var entry) && entry.Count == count)
            {
                entry.LastUsed = now;
                result.Add(((camera, track), entry.Unit));
            }
            else
            {
                missing.Add((camera, track));
            }
        }
        // Read the missing ones in chunks (one round trip each) keyed by the arrays of the keys.
        foreach (var chunk in missing.Chunk(2000))
        {
            var rows = await connection.QueryAsync<(string Camera, long Track, int N, float[] Sum)>(new CommandDefinition(
                """
                select t.camera_id, t.track_id, t.embedding_n, e.embedding_sum
                from unnest(@cameras, @tracks) as k(camera_id, track_id)
                join tracks t on t.camera_id = k.camera_id and t.track_id = k.track_id
                join track_embeddings e on e.camera_id = k.camera_id and e.track_id = k.track_id
                """,
                new { cameras = chunk.Select(k => k.Camera).ToArray(), tracks = chunk.Select(k => k.Track).ToArray() },
                cancellationToken: cancellationToken)).ConfigureAwait(false);
            foreach (var row in rows)
            {
                var unit = Normalise(row.Sum);
                if (unit is null)
                    continue;
                _entries[(row.Camera, row.Track)] = new Entry(row.N, unit) { LastUsed = now };
                result.Add(((row.Camera, row.Track), unit));
            }
        }
        Trim();
        return result;
    }

    /// <summary>The unit vector in the direction of <paramref name="vector"/>, or null when it is zero or not finite.</summary>
    public static float[]? Normalise(ReadOnlySpan<float> vector)
    {
        float norm = TensorPrimitives.Norm(vector);
        if (!(norm > 0) || !float.IsFinite(norm))
            return null;
        var unit = new float[vector.Length];
        TensorPrimitives.Divide(vector, norm, unit);
        return unit;
    }

    private void Trim()
    {
        int excess = _entries.Count - capacity;
        if (excess <= 0)
            return;
        foreach (var old in _entries.OrderBy(e => e.Value.LastUsed).Take(excess).ToList())
            _entries.TryRemove(old.Key, out _);
    }
}
