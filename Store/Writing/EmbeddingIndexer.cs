using Npgsql;

namespace UniHCP.Pipeline.Store.Writing;

/// <summary>
/// Puts tracks' changed unit vectors into the similarity (HNSW) indexes, off the write path (migration 0009): the
/// writer sets track_embeddings.unit, and this copies it into the indexed column in small transactions. A track
/// waiting for it is "pending" and search by example ranks it exactly, so the indexer's lag never hides a track.
/// Rows the writer holds locked are skipped and taken on a later pass.
/// </summary>
public sealed class EmbeddingIndexer(NpgsqlDataSource dataSource)
{
    /// <summary>Indexes up to <paramref name="limit"/> pending tracks; returns how many it indexed (0: none pending
    /// that were free).</summary>
    public async Task<int> IndexPendingAsync(int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        await using var command = dataSource.CreateCommand(
            """
            with pending as (
                select camera_id, track_id from track_embeddings where indexed_n <> unit_n
                limit @limit for update skip locked)
            update track_embeddings e set indexed = e.unit, indexed_n = e.unit_n
            from pending p where e.camera_id = p.camera_id and e.track_id = p.track_id
            """);
        command.Parameters.AddWithValue("limit", limit);
        command.CommandTimeout = 0; // a pass over a large backlog may take long; it is bounded by the limit
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Tracks whose unit has not reached the index yet.</summary>
    public async Task<long> PendingAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("select count(*) from track_embeddings where indexed_n <> unit_n");
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Per-camera similarity indexes that do not exist yet or a failed build left invalid (migration 0010).</summary>
    public async Task<long> MissingCameraIndexesAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("select count(*) from missing_camera_embedding_indexes()");
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// Builds the per-camera similarity indexes still missing (migration 0010: every camera of the store, every length
    /// a shared index exists for) with CREATE INDEX CONCURRENTLY, so that the writers go on meanwhile; an index a failed
    /// build left invalid is dropped and built again. One builder at a time across store processes (a session advisory
    /// lock; another process holding it makes this return 0 at once). Returns how many it built.
    /// </summary>
    public async Task<int> BuildCameraIndexesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        if (!await ScalarAsync<bool>(connection, "select pg_try_advisory_lock(hashtext('camera_embedding_indexes'))", cancellationToken).ConfigureAwait(false))
            return 0;
        try
        {
            var missing = new List<(string Drop, string Create)>();
            await using (var command = new NpgsqlCommand(
                """
                select format('drop index concurrently if exists %I', camera_embedding_index_name(dims, camera)),
                       camera_embedding_index_ddl(dims, camera)
                from missing_camera_embedding_indexes()
                """, connection))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    missing.Add((reader.GetString(0), reader.GetString(1)));
            }
            // An HNSW build slows down sharply once its graph outgrows maintenance_work_mem (64 MB by default: about
            // 16,000 tracks of 1536 values); this session's own setting, gone when the connection returns to the pool.
            if (missing.Count > 0)
            {
                await using var memory = new NpgsqlCommand("set maintenance_work_mem = '512MB'", connection);
                await memory.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            foreach (var (drop, create) in missing)
            {
                // Concurrent builds cannot run in a transaction: each statement on its own (autocommit).
                foreach (string statement in new[] { drop, create })
                {
                    await using var build = new NpgsqlCommand(statement, connection) { CommandTimeout = 0 };
                    await build.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            return missing.Count;
        }
        finally
        {
            // A broken connection's session ended, and its lock with it: unlocking there would only replace the
            // build's own error with "connection is broken".
            if (connection.FullState == System.Data.ConnectionState.Open)
                await ScalarAsync<bool>(connection, "select pg_advisory_unlock(hashtext('camera_embedding_indexes'))", CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Indexes everything pending, in passes of <paramref name="batch"/>; returns the number indexed.</summary>
    public async Task<long> DrainAsync(int batch, CancellationToken cancellationToken)
    {
        long total = 0;
        int done;
        do
        {
            done = await IndexPendingAsync(batch, cancellationToken).ConfigureAwait(false);
            total += done;
        }
        while (done > 0);
        return total;
    }
}
