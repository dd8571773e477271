using Dapper;
using Npgsql;
using UniHCP.Pipeline.Store.Writing;

namespace UniHCP.Pipeline.Store.Queries;

/// <summary>Track lists, details and thumbnails.</summary>
public sealed class TrackQueries(NpgsqlDataSource dataSource)
{
    /// <summary>The window and camera filter over "tracks t" (parameters @from, @to, @cameras).</summary>
    internal const string WindowFilter = "t.last_seen >= @from and t.first_seen <= @to and (@cameras::text[] is null or t.camera_id = any(@cameras))";

    /// <summary>Tracks seen within the window, newest first.</summary>
    public async Task<Page<TrackSummary>> ListAsync(TimeWindow window, Paging paging, CancellationToken cancellationToken = default)
    {
        window.Validate();
        paging.Validate();
        var parameters = new { from = window.From, to = window.To, cameras = window.Cameras?.ToArray(), limit = paging.PageSize, offset = paging.Offset };
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        int total = await connection.ExecuteScalarAsync<int>(new CommandDefinition($"select count(*) from tracks t where {WindowFilter}", parameters, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var rows = await TrackRow.QueryAsync(connection,
            $"select {TrackRow.Columns} from tracks t where {WindowFilter} order by t.first_seen desc, t.camera_id, t.track_id limit @limit offset @offset",
            parameters, cancellationToken).ConfigureAwait(false);
        return new Page<TrackSummary>(rows.Select(r => r.ToSummary()).ToList(), total, paging.PageNumber, paging.PageSize);
    }

    /// <summary>One track with its mean attribute probabilities and the other tracks of its identity; null when unknown.</summary>
    public async Task<TrackDetail?> DetailAsync(string cameraId, long trackId, CancellationToken cancellationToken = default)
    {
        ValidateTrackKey(cameraId, trackId);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var key = new { cameraId, trackId };
        var track = (await TrackRow.QueryAsync(connection, $"select {TrackRow.Columns} from tracks t where t.camera_id = @cameraId and t.track_id = @trackId", key, cancellationToken).ConfigureAwait(false))
            .SingleOrDefault()?.ToSummary();
        if (track is null)
            return null;
        var (sums, n) = await connection.QuerySingleAsync<(float[]? Sums, int N)>(new CommandDefinition(
            "select attr_sum, attr_n from tracks where camera_id = @cameraId and track_id = @trackId", key, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var attributes = new SortedDictionary<string, float>(StringComparer.Ordinal);
        if (sums is not null && n > 0)
        {
            foreach (var (name, id) in await AttributeVocabulary.ReadAllAsync(connection, cancellationToken).ConfigureAwait(false))
            {
                if (id <= sums.Length)
                    attributes[name] = sums[id - 1] / n;
            }
        }
        var same = track.IdentityId is { } identity
            ? (await TrackRow.QueryAsync(connection,
                $"select {TrackRow.Columns} from tracks t where t.identity_id = @identity and not (t.camera_id = @cameraId and t.track_id = @trackId) order by t.first_seen",
                new { identity, cameraId, trackId }, cancellationToken).ConfigureAwait(false)).Select(r => r.ToSummary()).ToList()
            : [];
        return new TrackDetail(track, attributes, same);
    }

    /// <summary>Where and when the track was seen: its observations' boxes in time order (at most <paramref name="limit"/>),
    /// with the frames filled in where it was lost unless <paramref name="detectionsOnly"/>.</summary>
    public async Task<IReadOnlyList<TrackPoint>> PathAsync(string cameraId, long trackId, int limit = 2000, bool detectionsOnly = false, CancellationToken cancellationToken = default)
    {
        ValidateTrackKey(cameraId, trackId);
        if (limit is < 1 or > 100_000)
            throw new QueryValidationException("limit", $"limit must be 1..100000 (got {limit}).");
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        // The track's time span bounds the partitions the planner has to look at.
        var rows = await connection.QueryAsync<(long Frame, DateTime Time, float X1, float Y1, float X2, float Y2, float Score, bool Interpolated)>(new CommandDefinition(
            """
            select o.frame_seq, o.capture_time, o.x1, o.y1, o.x2, o.y2, o.score, o.interpolated
            from tracks t join observations o on o.camera_id = t.camera_id and o.track_id = t.track_id
                and o.capture_time between t.first_seen and t.last_seen
            where t.camera_id = @cameraId and t.track_id = @trackId and not (@detectionsOnly and o.interpolated)
            order by o.capture_time, o.frame_seq limit @limit
            """, new { cameraId, trackId, limit, detectionsOnly }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => new TrackPoint(r.Frame, new DateTimeOffset(DateTime.SpecifyKind(r.Time, DateTimeKind.Utc)), r.X1, r.Y1, r.X2, r.Y2, r.Score, r.Interpolated)).ToList();
    }

    public async Task<byte[]?> ThumbnailAsync(string cameraId, long trackId, CancellationToken cancellationToken = default)
    {
        ValidateTrackKey(cameraId, trackId);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await connection.QuerySingleOrDefaultAsync<byte[]?>(new CommandDefinition(
            "select jpeg from thumbnails where camera_id = @cameraId and track_id = @trackId", new { cameraId, trackId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>The track's strip in time order: at most <paramref name="limit"/> crops, evenly spread over the track when it has more.</summary>
    public async Task<IReadOnlyList<StripCrop>> StripAsync(string cameraId, long trackId, int limit = 24, CancellationToken cancellationToken = default)
    {
        ValidateTrackKey(cameraId, trackId);
        if (limit is < 1 or > 500)
            throw new QueryValidationException("limit", $"limit must be 1..500 (got {limit}).");
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        // Number the slots, then keep every k-th so that a long track's strip still spans its whole life.
        var rows = await connection.QueryAsync<(DateTime Time, long Frame, float Score, byte[] Jpeg)>(new CommandDefinition(
            """
            with numbered as (
                select capture_time, frame_seq, score, jpeg, row_number() over (order by slot_start) - 1 as i, count(*) over () as n
                from track_strip where camera_id = @cameraId and track_id = @trackId)
            select capture_time, frame_seq, score, jpeg from numbered
            where n <= @limit or i % ceil(n::float8 / @limit)::bigint = 0
            order by capture_time
            """, new { cameraId, trackId, limit }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => new StripCrop(new DateTimeOffset(DateTime.SpecifyKind(r.Time, DateTimeKind.Utc)), r.Frame, r.Score, r.Jpeg)).ToList();
    }

    /// <summary>Known cameras with their first and last activity.</summary>
    public async Task<IReadOnlyList<CameraSummary>> CamerasAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(string Id, DateTime First, DateTime Last, bool Snapshot)>(new CommandDefinition(
            "select id, first_seen, last_seen, exists (select 1 from camera_snapshots s where s.camera_id = cameras.id) from cameras order by id", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => new CameraSummary(r.Id, new DateTimeOffset(DateTime.SpecifyKind(r.First, DateTimeKind.Utc)), new DateTimeOffset(DateTime.SpecifyKind(r.Last, DateTimeKind.Utc)), r.Snapshot)).ToList();
    }

    internal static void ValidateTrackKey(string cameraId, long trackId)
    {
        if (!Core.Events.CameraId.IsValid(cameraId))
            throw new QueryValidationException("camera", $"'{QueryValidationException.Shorten(cameraId ?? "")}' is not a valid camera id.");
        if (trackId < 0)
            throw new QueryValidationException("track", $"track ids are not negative (got {trackId}).");
    }
}
