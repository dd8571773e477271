using Dapper;
using Npgsql;

namespace UniHCP.Pipeline.Store.Writing;

/// <summary>
/// A per-camera JSON definition kept as numbered versions (camera_geometry, camera_ignore_areas): the configuration's
/// is recorded when it differs from what the configuration said last time, an operator's edit when it differs from the
/// latest, and the latest version is the one in force.
/// </summary>
internal static class CameraDefinitionVersions
{
    /// <summary>Where the definition came from: the configuration file or an operator's edit.</summary>
    public const string FromConfiguration = "config", FromEdit = "api";

    /// <summary>Records <paramref name="definition"/> (JSON) for the camera unless unchanged; returns the version holding it.</summary>
    /// <param name="table">One of the tables named above, with columns camera_id, version, <paramref name="column"/>, source.</param>
    public static async Task<int> RecordAsync(NpgsqlDataSource dataSource, string table, string column, string cameraId, string definition, string source,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // Two processes recording one camera's definition at once: one adds the version, the other then finds it.
        await connection.ExecuteAsync(new CommandDefinition($"select pg_advisory_xact_lock(hashtext('{table}'), hashtext(@cameraId))",
            new { cameraId }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var latest = await connection.QueryFirstOrDefaultAsync<(int Version, bool Same)?>(new CommandDefinition(
            $"select version, {column} = @definition::jsonb from {table} where camera_id = @cameraId order by version desc limit 1",
            new { cameraId, definition }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        // The configuration is compared with what it said last time, not with an edit made since.
        bool unchanged = source == FromConfiguration
            ? await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                $"select coalesce((select {column} = @definition::jsonb from {table} where camera_id = @cameraId and source = 'config' order by version desc limit 1), false)",
                new { cameraId, definition }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false)
            : latest is { Same: true };
        int version = latest?.Version ?? 0;
        if (!unchanged)
        {
            version++;
            await connection.ExecuteAsync(new CommandDefinition(
                $"insert into {table} (camera_id, version, {column}, source) values (@cameraId, @version, @definition::jsonb, @source)",
                new { cameraId, version, definition, source }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return version;
    }
}
