using Dapper;
using Npgsql;

namespace UniHCP.Pipeline.Store.Writing;

/// <summary>
/// Reserves blocks of track ids per camera in the database (table track_id_blocks): a reservation is one atomic
/// upsert, so tracking processes that take a camera over from each other, or restart, never reuse an id. A camera's
/// first block starts above the ids its stored tracks already use.
/// </summary>
public sealed class TrackIdBlocks(NpgsqlDataSource dataSource)
{
    /// <summary>The first id of a new block of <paramref name="size"/> ids for <paramref name="cameraId"/>.</summary>
    public async Task<long> ReserveAsync(string cameraId, int size, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(cameraId);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            """
            insert into track_id_blocks as b (camera_id, next_id)
            values (@cameraId, (select coalesce(max(track_id), 0) + 1 from tracks where camera_id = @cameraId) + @size)
            on conflict (camera_id) do update set next_id = b.next_id + @size
            returning next_id - @size
            """,
            new { cameraId, size = (long)size }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>The first identity id not yet stored (identities are given by one process, the identities stage).</summary>
    public async Task<long> FirstFreeIdentityAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "select coalesce(max(id), 0) + 1 from identities", cancellationToken: cancellationToken)).ConfigureAwait(false);
    }
}
