using Dapper;
using Npgsql;
using UniHCP.Pipeline.Core.Geometry;

namespace UniHCP.Pipeline.Store.Queries;

/// <summary>A long track whose foot point hardly moved: a person standing still, or an object the detector takes for
/// a person (a sign, a mannequin), which an ignore area can silence.</summary>
/// <param name="FootX">Median foot point (bottom centre of the box), frame pixels.</param>
/// <param name="Spread">How far the foot point ranged, in pixels: the larger of its x and y 5th-95th percentile spans
/// (a passer-by swapped onto the track for a moment does not count).</param>
/// <param name="Height">Median box height, pixels.</param>
public sealed record StillTrack(string CameraId, long TrackId, DateTimeOffset FirstSeen, TimeSpan Duration, int Observations,
    double FootX, double FootY, double Spread, double Height);

/// <summary>Finds the still tracks of a window: where ignore areas may belong (README, `unihcp query still`).</summary>
public sealed class StillTrackQueries(NpgsqlDataSource dataSource)
{
    /// <summary>Most tracks one query returns.</summary>
    public const int MaxResults = 500;

    /// <summary>Tracks of the window that lasted at least <paramref name="minDuration"/> and whose foot point ranged over
    /// at most <paramref name="maxSpread"/> of their box height, by camera and first sighting.</summary>
    public async Task<IReadOnlyList<StillTrack>> FindAsync(TimeWindow window, TimeSpan minDuration, double maxSpread, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(window);
        window.Validate();
        if (minDuration < TimeSpan.Zero || minDuration > TimeSpan.FromDays(1))
            throw new QueryValidationException("minDuration", $"must be 0 to a day (got {minDuration}).");
        if (!(maxSpread is > 0 and <= 10))
            throw new QueryValidationException("maxSpread", $"must be above 0 and at most 10 box heights (got {maxSpread}).");
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        // Long tracks first (the tracks table is narrow), then their detections through the observations' key
        // (camera, time): only the few long tracks' rows are read.
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"""
            with long_tracks as (
                select t.camera_id, t.track_id, t.first_seen, t.last_seen from tracks t
                where {TrackQueries.WindowFilter} and t.last_seen - t.first_seen >= @minDuration
            ), feet as (
                select l.camera_id, l.track_id, l.first_seen, l.last_seen, count(*)::int as n,
                    percentile_cont(0.5) within group (order by (o.x1 + o.x2) / 2) as fx,
                    percentile_cont(0.5) within group (order by o.y2) as fy,
                    greatest(percentile_cont(0.95) within group (order by (o.x1 + o.x2) / 2) - percentile_cont(0.05) within group (order by (o.x1 + o.x2) / 2),
                             percentile_cont(0.95) within group (order by o.y2) - percentile_cont(0.05) within group (order by o.y2)) as spread,
                    percentile_cont(0.5) within group (order by o.y2 - o.y1) as h
                from long_tracks l
                join observations o on o.camera_id = l.camera_id and o.capture_time between l.first_seen and l.last_seen and o.track_id = l.track_id
                where not o.interpolated
                group by l.camera_id, l.track_id, l.first_seen, l.last_seen
            )
            select camera_id as CameraId, track_id as TrackId, first_seen as FirstSeen, extract(epoch from last_seen - first_seen)::float8 as Seconds,
                n as Observations, fx as FootX, fy as FootY, spread as Spread, h as Height
            from feet where spread <= @maxSpread * h
            order by camera_id, first_seen, track_id
            limit {MaxResults}
            """,
            new { from = window.From, to = window.To, cameras = window.Cameras?.ToArray(), minDuration, maxSpread },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => new StillTrack(r.CameraId, r.TrackId, new DateTimeOffset(DateTime.SpecifyKind(r.FirstSeen, DateTimeKind.Utc)), TimeSpan.FromSeconds(r.Seconds), r.Observations, r.FootX, r.FootY, r.Spread, r.Height)).ToList();
    }

    /// <summary>Ignore areas that would cover these tracks' foot points: per camera, a square around each place (tracks
    /// whose feet fall in one square share it), at least 16 px across and twice the foot's spread, for an operator
    /// to check on the camera's picture before pasting them into `Inference:IgnoreAreas`. A person who stood still
    /// is in the list too: only the operator can tell the two apart.</summary>
    public static Dictionary<string, List<IgnoreArea>> SuggestAreas(IReadOnlyList<StillTrack> tracks)
    {
        ArgumentNullException.ThrowIfNull(tracks);
        var areas = new Dictionary<string, List<IgnoreArea>>(StringComparer.Ordinal);
        foreach (var camera in tracks.GroupBy(t => t.CameraId))
        {
            var squares = new List<(double X1, double Y1, double X2, double Y2)>();
            foreach (var t in camera.OrderByDescending(t => t.Observations))
            {
                double half = Math.Max(8, t.Spread + 4);
                int at = squares.FindIndex(q => t.FootX >= q.X1 && t.FootX <= q.X2 && t.FootY >= q.Y1 && t.FootY <= q.Y2);
                var mine = (Math.Max(0, t.FootX - half), Math.Max(0, t.FootY - half), t.FootX + half, t.FootY + half);
                if (at < 0)
                    squares.Add(mine);
                else
                    squares[at] = (Math.Min(squares[at].X1, mine.Item1), Math.Min(squares[at].Y1, mine.Item2), Math.Max(squares[at].X2, mine.Item3), Math.Max(squares[at].Y2, mine.Item4));
            }
            areas[camera.Key] = squares.Select((q, i) => new IgnoreArea
            {
                Name = $"still {i + 1}",
                Points = [new(Math.Round(q.X1), Math.Round(q.Y1)), new(Math.Round(q.X2), Math.Round(q.Y1)), new(Math.Round(q.X2), Math.Round(q.Y2)), new(Math.Round(q.X1), Math.Round(q.Y2))],
            }).ToList();
        }
        return areas;
    }

    private sealed record Row(string CameraId, long TrackId, DateTime FirstSeen, double Seconds, int Observations, double FootX, double FootY, double Spread, double Height);
}
