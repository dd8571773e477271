using Dapper;
using Npgsql;
using UniHCP.Pipeline.Tracking.Stage;

namespace UniHCP.Pipeline.Cli.Pipeline;

/// <summary>New track and identity ids continue above those already stored, so that runs (and restarted tracking
/// processes) never reuse an id: a camera's first track id is read when the camera is first seen.</summary>
internal static class TrackingIds
{
    public static async Task<TrackingIdStart> FromStoreAsync(NpgsqlDataSource store, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        long identity = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "select coalesce(max(id), 0) + 1 from identities", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new TrackingIdStart(camera =>
        {
            using var perCamera = store.OpenConnection();
            return perCamera.ExecuteScalar<long>("select coalesce(max(track_id), 0) + 1 from tracks where camera_id = @camera", new { camera });
        }, identity);
    }
}
