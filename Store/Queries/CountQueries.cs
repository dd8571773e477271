using Dapper;
using Npgsql;

namespace UniHCP.Pipeline.Store.Queries;

/// <summary>One zone's or line's counts in one time bucket. Lines fill In and Out; zones Enter, Exit, Dwell, Crowding and
/// PeakOccupancy (the most tracks inside at any event of the bucket).</summary>
public sealed record CountRow(string Camera, string Geometry, DateTimeOffset Bucket, int In, int Out, int Enter, int Exit, int Dwell, int Crowding, int PeakOccupancy);

/// <summary>A zone's visit durations (from its exit events) in a window: count, quantiles and a histogram.</summary>
public sealed record DwellSummary(string Camera, string Zone, int Visits, double MedianSeconds, double P90Seconds, double MaxSeconds, IReadOnlyList<ZoneDwellBin> Histogram);

/// <summary>Visits of at least <see cref="FromSeconds"/> and under <see cref="ToSeconds"/> (null: no upper end).</summary>
public sealed record ZoneDwellBin(double FromSeconds, double? ToSeconds, int Visits);

/// <summary>Counts of zone and line events (migration 0006) per time bucket, and dwell distributions.</summary>
public sealed class CountQueries(NpgsqlDataSource dataSource)
{
    /// <summary>Bucket edges of the dwell histogram, in seconds.</summary>
    public static readonly double[] DwellEdges = [0, 5, 10, 30, 60, 120, 300, 600];

    public static readonly TimeSpan MinBucket = TimeSpan.FromSeconds(1);

    /// <summary>Bucket counts for every zone and line with events in the window, oldest bucket first. Buckets are aligned
    /// to whole multiples of <paramref name="bucket"/> since the Unix epoch.</summary>
    public async Task<IReadOnlyList<CountRow>> CountsAsync(TimeWindow window, TimeSpan bucket, CancellationToken cancellationToken = default)
    {
        window.Validate();
        if (bucket < MinBucket || bucket > TimeSpan.FromDays(31))
            throw new QueryValidationException("bucket", $"the bucket must be 1 s to 31 days; it is {bucket}.");
        if ((window.To - window.From).Ticks / bucket.Ticks > 100_000)
            throw new QueryValidationException("bucket", $"the window holds more than 100,000 buckets of {bucket}; choose a larger bucket.");
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(string Camera, string Geometry, DateTime Bucket, int In, int Out, int Enter, int Exit, int Dwell, int Crowding, int Peak)>(new CommandDefinition(
            """
            select camera_id, geometry, to_timestamp(floor(extract(epoch from time) / @seconds) * @seconds) as bucket,
                   count(*) filter (where kind = 3)::int, count(*) filter (where kind = 4)::int,
                   count(*) filter (where kind = 0)::int, count(*) filter (where kind = 1)::int,
                   count(*) filter (where kind = 2)::int, count(*) filter (where kind = 5)::int,
                   coalesce(max(occupancy) filter (where kind in (0, 5)), 0)::int
            from zone_events
            where time >= @from and time < @to and (@cameras::text[] is null or camera_id = any(@cameras))
            group by 1, 2, 3 order by 3, 1, 2
            """,
            new { from = window.From, to = window.To, cameras = window.Cameras?.ToArray(), seconds = bucket.TotalSeconds }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => new CountRow(r.Camera, r.Geometry, new DateTimeOffset(DateTime.SpecifyKind(r.Bucket, DateTimeKind.Utc)),
            r.In, r.Out, r.Enter, r.Exit, r.Dwell, r.Crowding, r.Peak)).ToList();
    }

    /// <summary>Per zone: the visits that ended in the window (exit events) and how long they lasted.</summary>
    public async Task<IReadOnlyList<DwellSummary>> DwellAsync(TimeWindow window, CancellationToken cancellationToken = default)
    {
        window.Validate();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(string Camera, string Zone, double Seconds)>(new CommandDefinition(
            """
            select camera_id, geometry, extract(epoch from duration)::float8 from zone_events
            where kind = 1 and time >= @from and time < @to and (@cameras::text[] is null or camera_id = any(@cameras))
            """,
            new { from = window.From, to = window.To, cameras = window.Cameras?.ToArray() }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.GroupBy(r => (r.Camera, r.Zone)).OrderBy(g => g.Key.Camera, StringComparer.Ordinal).ThenBy(g => g.Key.Zone, StringComparer.Ordinal).Select(g =>
        {
            var seconds = g.Select(r => r.Seconds).Order().ToArray();
            var bins = DwellEdges.Select((edge, i) => new ZoneDwellBin(edge, i + 1 < DwellEdges.Length ? DwellEdges[i + 1] : null,
                seconds.Count(s => s >= edge && (i + 1 >= DwellEdges.Length || s < DwellEdges[i + 1])))).ToList();
            return new DwellSummary(g.Key.Camera, g.Key.Zone, seconds.Length, Quantile(seconds, 0.5), Quantile(seconds, 0.9), seconds[^1], bins);
        }).ToList();
    }

    /// <summary>Where people stood on a camera in the window: foot points (bottom centre of the detected boxes), the
    /// newest first, at most <paramref name="limit"/> - the zone editor's picture of where people walk.</summary>
    public async Task<IReadOnlyList<float[]>> FootPointsAsync(string camera, TimeWindow window, int limit, CancellationToken cancellationToken = default)
    {
        window.Validate();
        if (limit is < 1 or > 20_000)
            throw new QueryValidationException("limit", $"limit must be 1-20000; it is {limit}.");
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(float X, float Y)>(new CommandDefinition(
            """
            select (x1 + x2) / 2, y2 from observations
            where camera_id = @camera and capture_time >= @from and capture_time <= @to and not interpolated
            order by capture_time desc limit @limit
            """, new { camera, from = window.From, to = window.To, limit }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => new[] { r.X, r.Y }).ToList();
    }

    private static double Quantile(double[] sorted, double q) => sorted[(int)Math.Min(sorted.Length - 1, Math.Floor(q * sorted.Length))];
}
