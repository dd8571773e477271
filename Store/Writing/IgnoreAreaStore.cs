using System.Text.Json;
using Dapper;
using Npgsql;
using UniHCP.Pipeline.Core.Geometry;

namespace UniHCP.Pipeline.Store.Writing;

/// <summary>One camera's ignore areas as stored: the version in force, where it came from, and the areas (empty: the
/// camera's areas were removed), or what is wrong with a row that does not read as areas.</summary>
public sealed record StoredIgnoreAreas(string CameraId, int Version, string Source, DateTimeOffset Recorded, IReadOnlyList<IgnoreArea> Areas, string? Problem = null);

/// <summary>
/// Each camera's ignore areas, versioned (migration 0012): the configuration's <c>Inference:IgnoreAreas</c> recorded when
/// they change, operators' edits through the API, the latest in force. The inference stage reads them at start and
/// again while it runs, so an area drawn on the dashboard takes effect without a restart.
/// </summary>
public sealed class IgnoreAreaStore(NpgsqlDataSource dataSource)
{
    private const string Table = "camera_ignore_areas";

    /// <summary>Records the configuration's areas of every camera it names (an empty list: none) when they differ from what
    /// it said last time. A camera it does not name keeps what is stored, as zones do: several inference processes may
    /// each configure their own cameras. Validated by the caller.</summary>
    public async Task RecordConfiguredAsync(IReadOnlyDictionary<string, IReadOnlyList<IgnoreArea>> configured, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(configured);
        foreach (var (camera, areas) in configured.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            await CameraDefinitionVersions.RecordAsync(dataSource, Table, "areas", camera, Serialize(areas), CameraDefinitionVersions.FromConfiguration, cancellationToken)
                .ConfigureAwait(false);
        }
    }

    /// <summary>Records an operator's areas for the camera (empty: none); returns the version in force. Validated by the caller
    /// (<see cref="IgnoreArea.Problems"/>).</summary>
    public Task<int> RecordEditedAsync(string cameraId, IReadOnlyList<IgnoreArea> areas, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(areas);
        Core.Events.CameraId.Validate(cameraId);
        return CameraDefinitionVersions.RecordAsync(dataSource, Table, "areas", cameraId, Serialize(areas), CameraDefinitionVersions.FromEdit, cancellationToken);
    }

    /// <summary>Every camera's areas in force, by camera id.</summary>
    public async Task<IReadOnlyDictionary<string, StoredIgnoreAreas>> LatestAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(string Camera, int Version, string Source, DateTime Recorded, string Areas)>(new CommandDefinition(
            $"select distinct on (camera_id) camera_id, version, source, recorded, areas::text from {Table} order by camera_id, version desc",
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(Read).ToDictionary(r => r.CameraId, StringComparer.Ordinal);
    }

    /// <summary>The camera's areas in force, or null when none were ever recorded for it.</summary>
    public async Task<StoredIgnoreAreas?> ForCameraAsync(string cameraId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QueryFirstOrDefaultAsync<(string Camera, int Version, string Source, DateTime Recorded, string Areas)?>(new CommandDefinition(
            $"select camera_id, version, source, recorded, areas::text from {Table} where camera_id = @cameraId order by version desc limit 1",
            new { cameraId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row is { } found ? Read(found) : null;
    }

    private static string Serialize(IReadOnlyList<IgnoreArea> areas) => JsonSerializer.Serialize(areas);

    // A row edited by hand into something else is reported, not thrown: the other cameras' areas still apply.
    private static StoredIgnoreAreas Read((string Camera, int Version, string Source, DateTime Recorded, string Areas) row)
    {
        var recorded = new DateTimeOffset(DateTime.SpecifyKind(row.Recorded, DateTimeKind.Utc));
        List<IgnoreArea>? areas;
        try
        {
            areas = JsonSerializer.Deserialize<List<IgnoreArea>>(row.Areas);
        }
        catch (JsonException ex)
        {
            return new StoredIgnoreAreas(row.Camera, row.Version, row.Source, recorded, [], $"camera '{row.Camera}', ignore areas version {row.Version}: not a list of areas ({ex.Message})");
        }
        areas ??= [];
        if (IgnoreArea.Problems(row.Camera, areas) is { Count: > 0 } problems)
            return new StoredIgnoreAreas(row.Camera, row.Version, row.Source, recorded, [], $"ignore areas version {row.Version}: " + string.Join(" ", problems));
        return new StoredIgnoreAreas(row.Camera, row.Version, row.Source, recorded, areas);
    }
}
