using System.Numerics.Tensors;
using Dapper;
using Npgsql;

namespace UniHCP.Pipeline.Store.Queries;

/// <summary>
/// Search by example image or by track. Candidates (tracks in the window and cameras that have an
/// embedding) are found in SQL; their unit mean embeddings come from the <see cref="EmbeddingCache"/>
/// and are ranked here with System.Numerics.Tensors dot products. Where the server has the pgvector
/// extension and <see cref="UsePgVector"/> is on, ranking runs in SQL instead (no cache needed).
/// </summary>
public sealed class SimilarSearch(NpgsqlDataSource dataSource, EmbeddingCache cache)
{
    private bool? _hasPgVector;

    /// <summary>Rank in PostgreSQL with pgvector when the extension is installed (checked once).</summary>
    public bool UsePgVector { get; init; }

    /// <summary>Tracks most similar to the given embedding (any length matching the stored ones).</summary>
    public async Task<IReadOnlyList<ScoredTrack>> ByEmbeddingAsync(ReadOnlyMemory<float> embedding, SimilarityQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        var unit = EmbeddingCache.Normalise(embedding.Span)
            ?? throw new QueryValidationException("embedding", "the example's embedding is zero or not finite.");
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await RankAsync(connection, unit, query, exclude: null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Tracks most similar to an existing track (the track itself is left out); null when the track is unknown.</summary>
    public async Task<IReadOnlyList<ScoredTrack>?> ByTrackAsync(string cameraId, long trackId, SimilarityQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        TrackQueries.ValidateTrackKey(cameraId, trackId);
        query.Validate();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var found = await connection.QueryAsync<float[]?>(new CommandDefinition(
            "select e.embedding_sum from tracks t left join track_embeddings e using (camera_id, track_id) where t.camera_id = @cameraId and t.track_id = @trackId",
            new { cameraId, trackId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var rows = found.ToList();
        if (rows.Count == 0)
            return null;
        var unit = rows[0] is { } sum ? EmbeddingCache.Normalise(sum) : null;
        if (unit is null)
            throw new QueryValidationException("track", $"track {cameraId}/{trackId} has no ReID embedding (ReID did not run on it).");
        return await RankAsync(connection, unit, query, exclude: (cameraId, trackId), cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<ScoredTrack>> RankAsync(NpgsqlConnection connection, float[] unit, SimilarityQuery query, (string, long)? exclude, CancellationToken cancellationToken)
    {
        var window = new { from = query.Window.From, to = query.Window.To, cameras = query.Window.Cameras?.ToArray() };
        List<(string Camera, long Track, double Similarity)> best;
        if (UsePgVector && await HasPgVectorAsync(connection, cancellationToken).ConfigureAwait(false))
        {
            best = (await connection.QueryAsync<(string, long, double)>(new CommandDefinition(
                $"""
                select t.camera_id, t.track_id, 1 - (e.embedding_sum::vector <=> @unit::real[]::vector) as similarity
                from tracks t join track_embeddings e using (camera_id, track_id)
                where {TrackQueries.WindowFilter} and t.embedding_n > 0 and cardinality(e.embedding_sum) = @dims
                order by e.embedding_sum::vector <=> @unit::real[]::vector limit @take
                """,
                new { window.from, window.to, window.cameras, unit, dims = unit.Length, take = query.Limit + 1 }, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        }
        else
        {
            var candidates = (await connection.QueryAsync<(string, long, int)>(new CommandDefinition(
                $"select t.camera_id, t.track_id, t.embedding_n from tracks t where {TrackQueries.WindowFilter} and t.embedding_n > 0",
                window, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
            var embeddings = await cache.GetAsync(connection, candidates, cancellationToken).ConfigureAwait(false);
            best = TopK(unit, embeddings, query.Limit + 1);
        }
        best = best.Where(b => (b.Camera, b.Track) != exclude && b.Similarity >= query.MinSimilarity).Take(query.Limit).ToList();
        if (best.Count == 0)
            return [];
        var rows = await TrackRow.QueryAsync(connection,
            $"select {TrackRow.Columns} from tracks t join unnest(@cameras, @tracks) as k(camera_id, track_id) on t.camera_id = k.camera_id and t.track_id = k.track_id",
            new { cameras = best.Select(b => b.Camera).ToArray(), tracks = best.Select(b => b.Track).ToArray() }, cancellationToken).ConfigureAwait(false);
        var byKey = rows.ToDictionary(r => (r.CameraId, r.TrackId));
        return best.Where(b => byKey.ContainsKey((b.Camera, b.Track))).Select(b => new ScoredTrack(byKey[(b.Camera, b.Track)].ToSummary(), b.Similarity)).ToList();
    }

    /// <summary>The k most similar (cosine of unit vectors = dot product); embeddings of another length are skipped.</summary>
    internal static List<(string Camera, long Track, double Similarity)> TopK(float[] unit, List<((string Camera, long Track) Key, float[] Unit)> embeddings, int k)
    {
        var heap = new PriorityQueue<(string, long, double), double>(k + 1);
        foreach (var (key, vector) in embeddings)
        {
            if (vector.Length != unit.Length)
                continue;
            double similarity = TensorPrimitives.Dot(unit, vector);
            if (heap.Count < k)
                heap.Enqueue((key.Camera, key.Track, similarity), similarity);
            else if (similarity > heap.Peek().Item3)
                heap.EnqueueDequeue((key.Camera, key.Track, similarity), similarity);
        }
        var result = new List<(string, long, double)>(heap.Count);
        while (heap.Count > 0)
            result.Add(heap.Dequeue());
        result.Reverse();
        return result;
    }

    private async Task<bool> HasPgVectorAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        _hasPgVector ??= await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "select exists (select 1 from pg_extension where extname = 'vector')", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return _hasPgVector.Value;
    }
}
