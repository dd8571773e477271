using System.Globalization;
using System.Numerics.Tensors;
using Npgsql;
using Pgvector;

namespace UniHCP.Pipeline.Store.Queries;

/// <summary>
/// Search by example image or by track: tracks in the window ranked by the cosine similarity of their unit mean
/// ReID embedding (track_embeddings.unit, float16; rewritten each time the track's embedding count doubles) to the example's. PostgreSQL ranks with pgvector; an
/// embedding length up to 4,000 values is served by that length's HNSW index (migrations 0003 and 0009: the index
/// reads the copy the embedding indexer keeps, and tracks it has not caught up with are ranked exactly), with iterative
/// scans so that a window or camera filter still fills the page; a filter that leaves few tracks is ranked exactly
/// instead (<see cref="ExactBelow"/>), and one that names a few cameras walks each camera's own index (migration 0010,
/// <see cref="CameraIndexes"/>). Nothing is held in this process.
/// </summary>
public sealed class SimilarSearch(NpgsqlDataSource dataSource)
{
    /// <summary>Candidates the HNSW scan keeps (pgvector's hnsw.ef_search, 1-1000): more is slower and closer to
    /// exact. Measured over 500,000 tracks with strict-order scans and exact ranking below 10,000 (docs/benchmarks.md,
    /// "Vector search"): recall@10 0.83 at 100, 0.91 at 400, 0.95 at 800 (a window and camera filter is what needs the
    /// depth: the scan discards most of what it finds), p50 30 / 37 / 50 ms.</summary>
    public int EfSearch { get; init; } = 800;

    /// <summary>Most index tuples an iterative scan visits while a window or camera filter rejects what it finds
    /// (pgvector's hnsw.max_scan_tuples); the scan then ends with what it has.</summary>
    public int MaxScanTuples { get; init; } = 20_000;

    /// <summary>pgvector's hnsw.iterative_scan: relaxed_order (approximately ordered; this class sorts what it reads)
    /// or strict_order (exact distance order). Measured over 500,000 tracks at ef_search 800, relaxed found more of the
    /// exact top 10 behind a window and camera filter (0.98 against 0.94) at a lower p95 (docs/benchmarks.md).</summary>
    public string IterativeScan { get; init; } = "relaxed_order";

    /// <summary>Rank every candidate exactly instead of through the index (the benchmark's reference for recall).</summary>
    public bool Exact { get; init; }

    /// <summary>A window and camera filter that leaves at most this many tracks with an embedding is ranked exactly:
    /// reading that few is quicker than an index scan that skips the many it filters out, and exact. Measured over
    /// 500,000 tracks: with 50,000 the filtered searches' p95 was 197 ms and their recall 1.0, with 10,000 (the index
    /// scanning for 10,000-42,000 matching tracks) 451 ms and 0.97.</summary>
    public int ExactBelow { get; init; } = 50_000;

    /// <summary>Of the filters leaving at most <see cref="ExactBelow"/> tracks, those leaving more than this many are
    /// ranked exactly only when they leave at most <see cref="ExactShare"/> of the indexed tracks: behind a filter
    /// that keeps most tracks the index scan wastes little, and ranking 50,000 tracks exactly took 180 ms (store
    /// benchmark: a search over all of a 50,000-track store, p50 9.6 ms through the index).</summary>
    public int ExactAlwaysBelow { get; init; } = 10_000;

    /// <summary>See <see cref="ExactAlwaysBelow"/>; the indexed tracks are the index's row count in the catalogue.</summary>
    public double ExactShare { get; init; } = 0.25;

    /// <summary>A search naming at most <see cref="CameraIndexesUpTo"/> cameras, each with its own similarity index
    /// (migration 0010; the store's embedding indexer builds them), walks each camera's index (or ranks the camera
    /// exactly, <see cref="CameraExactBelow"/>) instead of the shared index or exact ranking of all the candidates.
    /// Measured over 500,000 tracks on 20 cameras (docs/benchmarks.md, "Vector search").</summary>
    public bool CameraIndexes { get; init; } = true;

    /// <summary>Most cameras a search may name to be answered camera by camera (each is a statement of its own).</summary>
    public int CameraIndexesUpTo { get; init; } = 8;

    /// <summary>Connections a camera-by-camera search uses at once (one statement per camera on each).</summary>
    public int CameraConnections { get; init; } = 2;

    /// <summary>hnsw.ef_search in a camera's own index (a graph of that camera's tracks only). Over 500,000 tracks on 20
    /// cameras (docs/benchmarks.md), searches with a window and 1-5 cameras found 0.996 of the exact top 10 at 100 and
    /// 200 and 1.000 at 400; the host's noise did not separate their latency (p95 of all searches 72-98 ms each).</summary>
    public int CameraEfSearch { get; init; } = 200;

    /// <summary>A camera estimated to have at most this many tracks in the window is ranked exactly (a few ms), not
    /// through its index (whose scan would discard most of what it visits).</summary>
    public int CameraExactBelow { get; init; } = 2_000;

    // The camera filter on the embedding row too: PostgreSQL does not carry "= any(array)" across the join, and an
    // index scan that meets another camera's track then drops it before looking the track up.
    private const string CameraFilter = "(@cameras::text[] is null or e.camera_id = any(@cameras))";

    /// <summary>Tracks most similar to the given embedding (compared with stored embeddings of the same length).</summary>
    public async Task<IReadOnlyList<ScoredTrack>> ByEmbeddingAsync(ReadOnlyMemory<float> embedding, SimilarityQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        var unit = Normalise(embedding.Span)
            ?? throw new QueryValidationException("embedding", "the example's embedding is zero or not finite.");
        if (unit.Length > Writing.HalfVecWire.MaxDimensions)
            throw new QueryValidationException("embedding", $"the example's embedding has {unit.Length} values; at most {Writing.HalfVecWire.MaxDimensions} are stored.");
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
        await using var command = new NpgsqlCommand(
            "select e.unit::real[] from tracks t left join track_embeddings e using (camera_id, track_id) where t.camera_id = @camera and t.track_id = @track", connection);
        command.Parameters.AddWithValue("camera", cameraId);
        command.Parameters.AddWithValue("track", trackId);
        bool found = false;
        float[]? unit = null;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                found = true;
                unit = reader.IsDBNull(0) ? null : reader.GetFieldValue<float[]>(0);
            }
        }
        if (!found)
            return null;
        if (unit is null)
            throw new QueryValidationException("track", $"track {cameraId}/{trackId} has no ReID embedding (ReID did not run on it).");
        return await RankAsync(connection, unit, query, exclude: (cameraId, trackId), cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<ScoredTrack>> RankAsync(NpgsqlConnection connection, float[] unit, SimilarityQuery query, (string, long)? exclude, CancellationToken cancellationToken)
    {
        var best = await NearestAsync(connection, unit, query, query.Limit + 1, cancellationToken).ConfigureAwait(false);
        best = best.Where(b => (b.Camera, b.Track) != exclude && b.Similarity >= query.MinSimilarity).Take(query.Limit).ToList();
        if (best.Count == 0)
            return [];
        var rows = await TrackRow.QueryAsync(connection,
            $"select {TrackRow.Columns} from tracks t join unnest(@cameras, @tracks) as k(camera_id, track_id) on t.camera_id = k.camera_id and t.track_id = k.track_id",
            new { cameras = best.Select(b => b.Camera).ToArray(), tracks = best.Select(b => b.Track).ToArray() }, cancellationToken).ConfigureAwait(false);
        var byKey = rows.ToDictionary(r => (r.CameraId, r.TrackId));
        return best.Where(b => byKey.ContainsKey((b.Camera, b.Track))).Select(b => new ScoredTrack(byKey[(b.Camera, b.Track)].ToSummary(), b.Similarity)).ToList();
    }

    /// <summary>The <paramref name="take"/> nearest tracks in the window, most similar first.</summary>
    internal async Task<List<(string Camera, long Track, double Similarity)>> NearestAsync(NpgsqlConnection connection, float[] unit, SimilarityQuery query, int take, CancellationToken cancellationToken)
    {
        // The length is part of the statement, not a parameter: the planner matches the partial index on it.
        string dims = unit.Length.ToString(CultureInfo.InvariantCulture);
        var example = new HalfVector(unit.Select(v => (Half)v).ToArray());
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (IterativeScan is not ("relaxed_order" or "strict_order"))
            throw new InvalidOperationException($"SimilarSearch.IterativeScan must be relaxed_order or strict_order (got '{IterativeScan}').");
        if (CameraConnections is < 1 or > 16 || CameraEfSearch is < 1 or > 1000 || CameraIndexesUpTo < 0)
            throw new InvalidOperationException($"SimilarSearch: CameraConnections must be 1-16 (got {CameraConnections}), CameraEfSearch 1-1000 (got {CameraEfSearch}), CameraIndexesUpTo not negative (got {CameraIndexesUpTo}).");
        List<(string, long, double)> result;
        var cameras = Exact ? null : await CameraEstimatesAsync(connection, transaction, dims, query, cancellationToken).ConfigureAwait(false);
        var (candidates, indexed) = Exact || cameras is not null ? (0L, 0.0) : await CountAsync(connection, transaction, dims, query, ExactBelow + 1, cancellationToken).ConfigureAwait(false);
        if (cameras is not null)
        {
            // Camera by camera: each camera's own graph, or exact ranking where the window holds few of its tracks; then
            // the pending tracks (a pending track the exact ranking also found comes twice, with the same score).
            using var slots = new SemaphoreSlim(CameraConnections);
            var perCamera = cameras.Select(async c =>
            {
                await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    return await NearestOfCameraAsync(dims, example, query, c.Camera, c.Estimate <= CameraExactBelow, take, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    slots.Release();
                }
            }).ToList();
            result = [.. await PendingAsync(connection, transaction, dims, example, query, take, cancellationToken).ConfigureAwait(false)];
            foreach (var found in await Task.WhenAll(perCamera).ConfigureAwait(false))
                result.AddRange(found);
            result = result.OrderByDescending(r => r.Item3).DistinctBy(r => (r.Item1, r.Item2)).Take(take).ToList();
        }
        else if (Exact || (candidates <= ExactBelow && (candidates <= ExactAlwaysBelow || candidates <= ExactShare * indexed)))
        {
            await ConfigureAsync(connection, transaction, EfSearch, exact: true, cancellationToken).ConfigureAwait(false);
            result = await ReadNearestAsync(connection, transaction, ExactSql(dims, CameraFilter), example, query, camera: null, take, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // The index holds the tracks the embedding indexer has caught up with; the pending ones (few, while it
            // keeps up) are ranked exactly by their current unit, and the two lists merged.
            await ConfigureAsync(connection, transaction, EfSearch, exact: false, cancellationToken).ConfigureAwait(false);
            result = await ReadNearestAsync(connection, transaction, IndexedSql(dims, CameraFilter), example, query, camera: null, 2 * take, cancellationToken).ConfigureAwait(false);
            result = result.Concat(await PendingAsync(connection, transaction, dims, example, query, take, cancellationToken).ConfigureAwait(false))
                .OrderByDescending(r => r.Item3).Take(take).ToList();
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>One camera of a camera-by-camera search, on a connection of its own (the cameras run side by side).</summary>
    private async Task<List<(string, long, double)>> NearestOfCameraAsync(string dims, HalfVector example, SimilarityQuery query, string camera, bool exact, int take, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ConfigureAsync(connection, transaction, CameraEfSearch, exact, cancellationToken).ConfigureAwait(false);
        var found = await ReadNearestAsync(connection, transaction, exact ? ExactSql(dims, OneCamera) : IndexedSql(dims, OneCamera),
            example, query, camera, exact ? take : 2 * take, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return found;
    }

    // One camera of a camera-by-camera search, on both rows: the planner proves the camera index's predicate from it.
    internal const string OneCamera = "e.camera_id = @camera and t.camera_id = @camera";

    internal static string ExactSql(string dims, string cameraFilter) => $"""
        select t.camera_id, t.track_id, 1 - (e.unit::halfvec({dims}) <=> @example) as similarity
        from track_embeddings e join tracks t using (camera_id, track_id)
        where vector_dims(e.unit) = {dims} and {cameraFilter} and {TrackQueries.WindowFilter} and t.embedding_n > 0
        order by e.unit::halfvec({dims}) <=> @example limit @take
        """;

    // A track whose indexed unit is out of date comes back without a score and is dropped by the reader (it is among
    // the pending), rather than filtered in the statement: PostgreSQL estimates a comparison of two columns to keep
    // 0.5 % of the rows, which would price ranking the few "left" exactly below the index scan.
    internal static string IndexedSql(string dims, string cameraFilter) => $"""
        select t.camera_id, t.track_id, case when e.indexed_n = e.unit_n then 1 - (e.indexed::halfvec({dims}) <=> @example) end as similarity
        from track_embeddings e join tracks t using (camera_id, track_id)
        where vector_dims(e.indexed) = {dims} and {cameraFilter} and {TrackQueries.WindowFilter} and t.embedding_n > 0
        order by e.indexed::halfvec({dims}) <=> @example limit @take
        """;

    /// <summary>The tracks the embedding indexer has not caught up with, ranked exactly by their current unit.</summary>
    private static async Task<List<(string, long, double)>> PendingAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string dims,
        HalfVector example, SimilarityQuery query, int take, CancellationToken cancellationToken)
    {
        // From the partial index that lists them (materialised first, so that the window filter cannot lead the plan
        // through every track instead), with sequential scans off: the planner cannot estimate indexed_n <> unit_n and
        // guesses that 99.5 % of the rows match, so it reads the whole table for an empty pending set (seen in EXPLAIN
        // on a 50,000-row table with the same partial index).
        await using (var noScan = new NpgsqlCommand("select set_config('enable_seqscan', 'off', true)", connection, transaction))
            await noScan.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        var pending = await ReadNearestAsync(connection, transaction, $"""
            with e as materialized (
                select camera_id, track_id, unit from track_embeddings where indexed_n <> unit_n and vector_dims(unit) = {dims})
            select t.camera_id, t.track_id, 1 - (e.unit::halfvec({dims}) <=> @example) as similarity
            from e join tracks t using (camera_id, track_id)
            where {TrackQueries.WindowFilter} and t.embedding_n > 0
            order by 3 desc limit @take
            """, example, query, camera: null, take, cancellationToken).ConfigureAwait(false);
        await using (var scan = new NpgsqlCommand("select set_config('enable_seqscan', 'on', true)", connection, transaction))
            await scan.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return pending;
    }

    /// <summary>Tracks with an embedding in the window, counted up to <paramref name="cap"/>, and the shared index's row
    /// count from the catalogue (0 when there is none yet).</summary>
    private static async Task<(long Candidates, double Indexed)> CountAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string dims,
        SimilarityQuery query, long cap, CancellationToken cancellationToken)
    {
        await using var count = new NpgsqlCommand(
            $"""
            select (select count(*) from (select 1 from tracks t where {TrackQueries.WindowFilter} and t.embedding_n > 0 limit @cap) as candidates),
                   coalesce((select greatest(reltuples, 0) from pg_class where oid = to_regclass('track_embeddings_indexed_{dims}')), 0)::float8
            """, connection, transaction);
        AddWindow(count, query);
        count.Parameters.AddWithValue("cap", cap);
        await using var reader = await count.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.GetInt64(0), reader.GetDouble(1));
    }

    /// <summary>
    /// The query's cameras with an estimate of their tracks in the window, when the search goes camera by camera: on,
    /// 1 to <see cref="CameraIndexesUpTo"/> cameras named, each with a valid index of this length; otherwise null.
    /// The estimate reads only the catalogue (counting the window's tracks costs as much as a camera's index search):
    /// the camera index's row count (set when it is built, then by vacuum and analyze) times the share of the
    /// camera's time span (the cameras table) that the window covers.
    /// </summary>
    private async Task<List<(string Camera, double Estimate)>?> CameraEstimatesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string dims,
        SimilarityQuery query, CancellationToken cancellationToken)
    {
        var cameras = query.Window.Cameras?.Distinct(StringComparer.Ordinal).ToList();
        if (!CameraIndexes || cameras is not { Count: > 0 } || cameras.Count > CameraIndexesUpTo)
            return null;
        await using var command = new NpgsqlCommand(
            $"""
            select k.camera, camera_embedding_index_valid({dims}, k.camera),
                   coalesce(greatest(i.reltuples, 0) * greatest(extract(epoch from least(c.last_seen, @to) - greatest(c.first_seen, @from)), 0)
                            / greatest(extract(epoch from c.last_seen - c.first_seen), 1), 0)
            from unnest(@cameras) as k(camera)
            left join cameras c on c.id = k.camera
            left join pg_class i on i.oid = to_regclass(camera_embedding_index_name({dims}, k.camera))
            """, connection, transaction);
        command.Parameters.AddWithValue("cameras", cameras.ToArray());
        command.Parameters.AddWithValue("from", query.Window.From);
        command.Parameters.AddWithValue("to", query.Window.To);
        var estimates = new List<(string, double)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!reader.GetBoolean(1))
                return null;
            estimates.Add((reader.GetString(0), Convert.ToDouble(reader.GetValue(2), CultureInfo.InvariantCulture)));
        }
        return estimates;
    }

    private async Task ConfigureAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int efSearch, bool exact, CancellationToken cancellationToken)
    {
        await using var settings = new NpgsqlCommand(
            "select set_config('hnsw.ef_search', @ef, true), set_config('hnsw.iterative_scan', @iterative, true), set_config('hnsw.max_scan_tuples', @scan, true), set_config('enable_indexscan', @index, true)",
            connection, transaction);
        settings.Parameters.AddWithValue("ef", efSearch.ToString(CultureInfo.InvariantCulture));
        settings.Parameters.AddWithValue("scan", MaxScanTuples.ToString(CultureInfo.InvariantCulture));
        settings.Parameters.AddWithValue("iterative", IterativeScan);
        settings.Parameters.AddWithValue("index", exact ? "off" : "on");
        await settings.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<List<(string, long, double)>> ReadNearestAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql,
        HalfVector example, SimilarityQuery query, string? camera, int take, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddWithValue("example", example);
        AddWindow(command, query);
        if (camera is not null)
            command.Parameters.AddWithValue("camera", camera);
        command.Parameters.AddWithValue("take", take);
        var result = new List<(string, long, double)>(take);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!reader.IsDBNull(2))
                result.Add((reader.GetString(0), reader.GetInt64(1), reader.GetDouble(2)));
        }
        return result;
    }

    private static void AddWindow(NpgsqlCommand command, SimilarityQuery query)
    {
        command.Parameters.AddWithValue("from", query.Window.From);
        command.Parameters.AddWithValue("to", query.Window.To);
        command.Parameters.Add(new NpgsqlParameter("cameras", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)query.Window.Cameras?.ToArray() ?? DBNull.Value });
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
}
