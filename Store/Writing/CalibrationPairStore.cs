using Dapper;
using Npgsql;

namespace UniHCP.Pipeline.Store.Writing;

/// <summary>A camera's stored pair similarities (cosines, oldest first) and the embedding length they were measured at.</summary>
public sealed record StoredCalibrationPairs(int EmbeddingLength, float[] Similarities);

/// <summary>What is remembered for one camera and weights version.</summary>
public sealed record CalibrationPairSummary(string CameraId, string ModelVersion, int Pairs, int EmbeddingLength, DateTimeOffset Updated);

/// <summary>The identities stage's remembered pairs of people seen together (table identity_calibration_pairs), one
/// row per camera and weights version, replaced whole on each save. What is read is checked by the stage.</summary>
public sealed class CalibrationPairStore(NpgsqlDataSource dataSource)
{
    public async Task<StoredCalibrationPairs?> LoadAsync(string cameraId, string modelVersion, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(cameraId);
        ArgumentNullException.ThrowIfNull(modelVersion);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QuerySingleOrDefaultAsync<(int EmbeddingLength, float[] Similarities)?>(new CommandDefinition(
            "select embedding_length, similarities from identity_calibration_pairs where camera_id = @cameraId and model_version = @modelVersion",
            new { cameraId, modelVersion }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row is { } r ? new StoredCalibrationPairs(r.EmbeddingLength, r.Similarities) : null;
    }

    public async Task SaveAsync(string cameraId, string modelVersion, StoredCalibrationPairs pairs, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(cameraId);
        ArgumentNullException.ThrowIfNull(modelVersion);
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentOutOfRangeException.ThrowIfLessThan(pairs.EmbeddingLength, 1);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            insert into identity_calibration_pairs (camera_id, model_version, embedding_length, similarities)
            values (@cameraId, @modelVersion, @length, @similarities)
            on conflict (camera_id, model_version) do update
                set embedding_length = excluded.embedding_length, similarities = excluded.similarities, updated = now()
            """,
            new { cameraId, modelVersion, length = pairs.EmbeddingLength, similarities = pairs.Similarities }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Every camera's remembered pairs, by camera and weights version.</summary>
    public async Task<IReadOnlyList<CalibrationPairSummary>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(string Camera, string Version, int Pairs, int Length, DateTime Updated)>(new CommandDefinition(
            "select camera_id, model_version, cardinality(similarities), embedding_length, updated from identity_calibration_pairs order by camera_id, model_version",
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => new CalibrationPairSummary(r.Camera, r.Version, r.Pairs, r.Length, new DateTimeOffset(DateTime.SpecifyKind(r.Updated, DateTimeKind.Utc))))];
    }

    /// <summary>Forgets a camera's remembered pairs (every weights version): its next run learns its thresholds anew (a
    /// camera moved or re-aimed). How many rows were removed.</summary>
    public async Task<int> ForgetAsync(string cameraId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(cameraId);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(new CommandDefinition(
            "delete from identity_calibration_pairs where camera_id = @cameraId", new { cameraId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }
}
