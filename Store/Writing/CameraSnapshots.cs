using Dapper;
using Npgsql;

namespace UniHCP.Pipeline.Store.Writing;

/// <summary>Each camera's newest full frame (JPEG), kept one per camera: the picture operators draw zones on.</summary>
public sealed class CameraSnapshots(NpgsqlDataSource dataSource)
{
    /// <summary>Keeps <paramref name="jpeg"/> as the camera's snapshot unless a newer one is stored.</summary>
    public async Task WriteAsync(string cameraId, DateTimeOffset captured, int width, int height, byte[] jpeg, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jpeg);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            insert into camera_snapshots (camera_id, captured, width, height, jpeg) values (@cameraId, @captured, @width, @height, @jpeg)
            on conflict (camera_id) do update set captured = excluded.captured, width = excluded.width, height = excluded.height, jpeg = excluded.jpeg
            where excluded.captured >= camera_snapshots.captured
            """, new { cameraId, captured = captured.ToUniversalTime(), width, height, jpeg }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>The size of the camera's snapshot (its frame size), or null when it has none.</summary>
    public async Task<(int Width, int Height)?> SizeAsync(string cameraId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var sizes = await connection.QueryAsync<(int Width, int Height)>(new CommandDefinition(
            "select width, height from camera_snapshots where camera_id = @cameraId", new { cameraId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return sizes.Select(s => ((int, int)?)s).FirstOrDefault();
    }

    /// <summary>The camera's snapshot, or null.</summary>
    public async Task<byte[]?> ReadAsync(string cameraId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<byte[]?>(new CommandDefinition("select jpeg from camera_snapshots where camera_id = @cameraId", new { cameraId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }
}
