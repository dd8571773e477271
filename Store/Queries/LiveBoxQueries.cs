using Dapper;
using Npgsql;

namespace UniHCP.Pipeline.Store.Queries;

/// <summary>
/// The boxes of a camera's newest stored frame, for the dashboard's camera view. The observations' key starts
/// with (camera, capture time), so the newest frame is one backward index step per day partition.
/// </summary>
public sealed class LiveBoxQueries(NpgsqlDataSource dataSource)
{
    /// <summary>The newest frame with detections, or null when the camera has none (or none newer than <paramref name="after"/>).</summary>
    public async Task<LiveFrame?> NewestAsync(string camera, DateTimeOffset? after = null, CancellationToken cancellationToken = default)
    {
        if (!Core.Events.CameraId.IsValid(camera))
            throw new QueryValidationException("camera", $"'{QueryValidationException.Shorten(camera ?? "")}' is not a valid camera id.");
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var newest = (await connection.QueryAsync<(DateTime Time, long Frame)>(new CommandDefinition(
            """
            select capture_time, frame_seq from observations
            where camera_id = @camera and not interpolated and (@after::timestamptz is null or capture_time > @after)
            order by capture_time desc, frame_seq desc limit 1
            """, new { camera, after }, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        if (newest.Count == 0)
            return null;
        var frame = newest[0];
        var boxes = await connection.QueryAsync<LiveBox>(new CommandDefinition(
            """
            select track_id as TrackId, x1 as X1, y1 as Y1, x2 as X2, y2 as Y2, score as Score from observations
            where camera_id = @camera and capture_time = @time and frame_seq = @frame and not interpolated order by det_index
            """, new { camera, time = frame.Time, frame = frame.Frame }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new LiveFrame(camera, frame.Frame, new DateTimeOffset(DateTime.SpecifyKind(frame.Time, DateTimeKind.Utc)), boxes.ToList());
    }
}
