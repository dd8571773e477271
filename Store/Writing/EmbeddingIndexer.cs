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
