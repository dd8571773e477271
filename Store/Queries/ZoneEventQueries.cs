using Dapper;
using Npgsql;
using UniHCP.Pipeline.Core.Events;

namespace UniHCP.Pipeline.Store.Queries;

/// <summary>One stored zone or line event. <see cref="Seq"/> orders events as they were stored (the live stream's position).</summary>
public sealed record ZoneEventRow(long Seq, string Camera, string Geometry, int GeometryVersion, string Kind, long TrackId, long? IdentityId,
    long Frame, DateTimeOffset Time, double DurationSeconds, int Occupancy, bool HasThumbnail);

/// <summary>Reads stored zone and line events: a filtered list for the events page, and what follows a position for
/// live readers (the API's event stream).</summary>
public sealed class ZoneEventQueries(NpgsqlDataSource dataSource)
{
    private const string Columns = "seq, camera_id, geometry, geometry_version, kind, track_id, identity_id, frame_seq, time, extract(epoch from duration)::float8, occupancy, " +
        "exists (select 1 from thumbnails t where t.camera_id = zone_events.camera_id and t.track_id = zone_events.track_id)";

    /// <summary>Events in the window, newest first, optionally of some kinds and one zone or line.</summary>
    public async Task<Page<ZoneEventRow>> ListAsync(TimeWindow window, IReadOnlyList<ZoneEventKind>? kinds, string? geometry, Paging paging, CancellationToken cancellationToken = default)
    {
        window.Validate();
        paging.Validate();
        if (geometry is { Length: > 100 })
            throw new QueryValidationException("geometry", "a zone or line name has at most 100 characters.");
        var parameters = new
        {
            from = window.From, to = window.To, cameras = window.Cameras?.ToArray(), kinds = kinds?.Select(k => (short)k).ToArray(), geometry,
            limit = paging.PageSize, offset = paging.Offset,
        };
        const string filter = "time >= @from and time <= @to and (@cameras::text[] is null or camera_id = any(@cameras)) and (@kinds::smallint[] is null or kind = any(@kinds)) and (@geometry::text is null or geometry = @geometry)";
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        int total = await connection.ExecuteScalarAsync<int>(new CommandDefinition($"select count(*) from zone_events where {filter}", parameters, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var rows = await QueryAsync(connection, $"select {Columns} from zone_events where {filter} order by time desc, seq desc limit @limit offset @offset", parameters, cancellationToken).ConfigureAwait(false);
        return new Page<ZoneEventRow>(rows, total, paging.PageNumber, paging.PageSize);
    }

    /// <summary>Events stored after position <paramref name="afterSeq"/>, oldest first, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<ZoneEventRow>> AfterAsync(long afterSeq, IReadOnlyList<string>? cameras, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await QueryAsync(connection, $"select {Columns} from zone_events where seq > @afterSeq and (@cameras::text[] is null or camera_id = any(@cameras)) order by seq limit @limit",
            new { afterSeq, cameras = cameras?.ToArray(), limit }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The position of the newest stored event (0 when none).</summary>
    public async Task<long> LatestSeqAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition("select coalesce(max(seq), 0) from zone_events", cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    private static async Task<IReadOnlyList<ZoneEventRow>> QueryAsync(NpgsqlConnection connection, string sql, object parameters, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<(long Seq, string Camera, string Geometry, int Version, short Kind, long Track, long? Identity, long Frame, DateTime Time, double Seconds, int Occupancy, bool Thumbnail)>(
            new CommandDefinition(sql, parameters, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => new ZoneEventRow(r.Seq, r.Camera, r.Geometry, r.Version, KindName((ZoneEventKind)r.Kind), r.Track, r.Identity, r.Frame,
            new DateTimeOffset(DateTime.SpecifyKind(r.Time, DateTimeKind.Utc)), r.Seconds, r.Occupancy, r.Thumbnail)).ToList();
    }

    /// <summary>The kind's name (<see cref="ZoneEventKinds"/>).</summary>
    public static string KindName(ZoneEventKind kind) => ZoneEventKinds.Name(kind);

    /// <summary>Parses a kind's name, or refuses it naming the parameter.</summary>
    public static ZoneEventKind ParseKind(string name) =>
        ZoneEventKinds.Parse(name) ?? throw new QueryValidationException("kind", $"'{QueryValidationException.Shorten(name)}' is not an event kind (enter, exit, dwell, line-in, line-out, crowding).");
}
