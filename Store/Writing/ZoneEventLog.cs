using System.Text.Json;
using Dapper;
using Npgsql;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Geometry;

namespace UniHCP.Pipeline.Store.Writing;

/// <summary>The store side of the events stage: geometry versions, zone events stored once by their key, and the
/// stage's checkpoints in the same transaction as the events they cover (migration 0006).</summary>
public sealed class ZoneEventLog(NpgsqlDataSource dataSource) : IZoneEventLog
{
    public async Task RecordConfiguredGeometryAsync(string cameraId, CameraGeometry geometry, CancellationToken cancellationToken) =>
        await RecordAsync(cameraId, geometry, CameraDefinitionVersions.FromConfiguration, cancellationToken).ConfigureAwait(false);

    /// <summary>Records an operator's edit: a new version unless it equals the latest. Returns the version that holds it.
    /// The caller validates first (<see cref="CameraGeometry.Problems"/>).</summary>
    public Task<int> RecordEditedGeometryAsync(string cameraId, CameraGeometry geometry, CancellationToken cancellationToken) =>
        RecordAsync(cameraId, geometry, CameraDefinitionVersions.FromEdit, cancellationToken);

    private Task<int> RecordAsync(string cameraId, CameraGeometry geometry, string source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        Core.Events.CameraId.Validate(cameraId);
        return CameraDefinitionVersions.RecordAsync(dataSource, "camera_geometry", "definition", cameraId, JsonSerializer.Serialize(geometry), source, cancellationToken);
    }

    public async Task<IReadOnlyDictionary<string, CameraGeometry>> LatestGeometryAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(string Camera, int Version, string Definition)>(new CommandDefinition(
            "select distinct on (camera_id) camera_id, version, definition::text from camera_geometry order by camera_id, version desc",
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.ToDictionary(r => r.Camera, r => Read(r.Definition, r.Version), StringComparer.Ordinal);
    }

    private static CameraGeometry Read(string definition, int version)
    {
        var geometry = JsonSerializer.Deserialize<CameraGeometry>(definition) ?? new CameraGeometry();
        geometry.Version = version;
        return geometry;
    }

    /// <summary>The camera's geometry of <paramref name="version"/> (the latest when null), or null when none is stored.</summary>
    public async Task<CameraGeometry?> GeometryAsync(string cameraId, int? version, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var row = await connection.QueryFirstOrDefaultAsync<(int Version, string Definition)?>(new CommandDefinition(
            "select version, definition::text from camera_geometry where camera_id = @cameraId and (@version::int is null or version = @version) order by version desc limit 1",
            new { cameraId, version }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (row is not { } found)
            return null;
        return Read(found.Definition, found.Version);
    }

    public async Task<IReadOnlyDictionary<string, ZoneEventCheckpoint>> LoadCheckpointsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(string Camera, long Frame, int Version, string State)>(new CommandDefinition(
            "select camera_id, last_frame, geometry_version, state::text from zone_event_checkpoints", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.ToDictionary(r => r.Camera, r => new ZoneEventCheckpoint(r.Camera, r.Frame, r.Version, r.State), StringComparer.Ordinal);
    }

    public async Task<int> CommitAsync(IReadOnlyList<ZoneEvent> events, IReadOnlyList<ZoneEventCheckpoint> checkpoints, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(checkpoints);
        if (events.Count == 0 && checkpoints.Count == 0)
            return 0;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        int stored = 0;
        if (events.Count > 0)
        {
            stored = await connection.ExecuteAsync(new CommandDefinition(
                """
                insert into zone_events (camera_id, geometry, geometry_version, kind, track_id, frame_seq, time, identity_id, duration, occupancy)
                select * from unnest(@cameras, @geometries, @versions, @kinds, @tracks, @frames, @times, @identities, @durations, @occupancies)
                on conflict do nothing
                """,
                new
                {
                    cameras = events.Select(e => e.CameraId).ToArray(),
                    geometries = events.Select(e => e.Geometry).ToArray(),
                    versions = events.Select(e => e.GeometryVersion).ToArray(),
                    kinds = events.Select(e => (short)e.Kind).ToArray(),
                    tracks = events.Select(e => e.TrackId).ToArray(),
                    frames = events.Select(e => e.FrameSequence).ToArray(),
                    times = events.Select(e => e.Time.ToUniversalTime()).ToArray(),
                    identities = events.Select(e => e.IdentityId).ToArray(),
                    durations = events.Select(e => e.Duration).ToArray(),
                    occupancies = events.Select(e => e.Occupancy).ToArray(),
                },
                transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        if (checkpoints.Count > 0)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                insert into zone_event_checkpoints (camera_id, last_frame, geometry_version, state, updated)
                select c, f, v, s::jsonb, now() from unnest(@cameras, @frames, @versions, @states) as t(c, f, v, s)
                on conflict (camera_id) do update set last_frame = excluded.last_frame, geometry_version = excluded.geometry_version,
                    state = excluded.state, updated = excluded.updated
                """,
                new
                {
                    cameras = checkpoints.Select(c => c.CameraId).ToArray(),
                    frames = checkpoints.Select(c => c.LastFrame).ToArray(),
                    versions = checkpoints.Select(c => c.GeometryVersion).ToArray(),
                    states = checkpoints.Select(c => c.State).ToArray(),
                },
                transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return stored;
    }

    /// <summary>A webhook's place in zone_events: the last seq it acknowledged, or null when it has none yet.</summary>
    public async Task<long?> WebhookCursorAsync(string url, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long?>(new CommandDefinition("select last_seq from webhook_cursors where url = @url", new { url }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Moves a webhook's place forward (never back).</summary>
    public async Task SetWebhookCursorAsync(string url, long seq, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            insert into webhook_cursors (url, last_seq) values (@url, @seq)
            on conflict (url) do update set last_seq = greatest(webhook_cursors.last_seq, excluded.last_seq), updated = now()
            """, new { url, seq }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }
}
