using Dapper;
using Npgsql;

namespace UniHCP.Pipeline.Store.Queries;

/// <summary>People seen on one camera in one time bucket (tracks whose span overlaps it).</summary>
public sealed record ActivityBucket(string CameraId, DateTimeOffset Start, int People);

/// <summary>How many tracks lasted within [MinSeconds, MaxSeconds) (MaxSeconds null: no upper bound).</summary>
public sealed record DwellBin(double MinSeconds, double? MaxSeconds, int Tracks);

/// <summary>Share of tracks whose mean probability of an attribute is at least 0.5.</summary>
public sealed record AttributeShare(string Name, int Tracks, double Share);

/// <summary>The dashboard's aggregates over one window.</summary>
public sealed record DashboardSummary(
    TimeWindow Window,
    TimeSpan Bucket,
    IReadOnlyList<ActivityBucket> Activity,
    int Tracks,
    int UniqueIdentities,
    IReadOnlyList<DwellBin> Dwell,
    IReadOnlyList<AttributeShare> AttributeMix);

/// <summary>Aggregates for the dashboard: activity per camera per bucket, unique people, dwell times, attribute mix.</summary>
public sealed class DashboardQueries(NpgsqlDataSource dataSource)
{
    /// <summary>Dwell-time bin edges in seconds.</summary>
    public static IReadOnlyList<double> DwellEdges { get; } = [0, 5, 15, 30, 60, 120, 300, 900];

    /// <summary>At most this many buckets per camera (the bucket is widened when the window needs more).</summary>
    public const int MaxBuckets = 2000;

    public async Task<DashboardSummary> SummaryAsync(TimeWindow window, TimeSpan? bucket = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(window);
        window.Validate();
        var size = bucket ?? DefaultBucket(window.To - window.From);
        if (size < TimeSpan.FromSeconds(1))
            throw new QueryValidationException("bucket", $"the bucket must be at least one second (got {size}).");
        if ((window.To - window.From) / size > MaxBuckets)
            throw new QueryValidationException("bucket", $"{size} buckets over this window would be more than {MaxBuckets}; widen the bucket.");
        var p = new { from = window.From, to = window.To, cameras = window.Cameras?.ToArray(), bucket = size };
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

        // People per bucket = tracks whose [first seen, last seen] overlaps it. Counted from the
        // narrow tracks table: observations rows carry 6 KB embeddings, too heavy to scan for a chart.
        var spans = await connection.QueryAsync<(string Camera, DateTime First, DateTime Last)>(new CommandDefinition(
            $"select t.camera_id, t.first_seen, t.last_seen from tracks t where {TrackQueries.WindowFilter} and t.n > 0",
            p, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var activity = Activity(spans.Select(s => (s.Camera, Utc(s.First), Utc(s.Last))), window, size);

        var (tracks, identities) = await connection.QuerySingleAsync<(long, long)>(new CommandDefinition(
            $"""
            select count(*), count(distinct coalesce('i' || t.identity_id, 't' || t.camera_id || '/' || t.track_id))
            from tracks t where {TrackQueries.WindowFilter} and t.n > 0
            """, p, cancellationToken: cancellationToken)).ConfigureAwait(false);

        var edges = DwellEdges.ToArray();
        var counts = (await connection.QueryAsync<(int Bin, long Count)>(new CommandDefinition(
            $"""
            select width_bucket(extract(epoch from t.last_seen - t.first_seen)::float8, @edges) as bin, count(*)
            from tracks t where {TrackQueries.WindowFilter} and t.n > 0 group by 1
            """, new { p.from, p.to, p.cameras, edges }, cancellationToken: cancellationToken)).ConfigureAwait(false))
            .ToDictionary(r => r.Bin, r => (int)r.Count);
        var dwell = edges.Select((edge, i) => new DwellBin(edge, i + 1 < edges.Length ? edges[i + 1] : null, counts.GetValueOrDefault(i + 1))).ToList();

        var mix = (await connection.QueryAsync<(string Name, long Tracks, double Share)>(new CommandDefinition(
            $"""
            select a.name, count(*), avg(case when t.attr_sum[a.id] / t.attr_n >= 0.5 then 1.0 else 0.0 end)::float8
            from tracks t cross join attribute_names a
            where {TrackQueries.WindowFilter} and t.attr_n > 0 and t.attr_sum[a.id] is not null
            group by a.name order by 3 desc, a.name
            """, p, cancellationToken: cancellationToken)).ConfigureAwait(false))
            .Select(r => new AttributeShare(r.Name, (int)r.Tracks, r.Share)).ToList();

        return new DashboardSummary(window, size, activity, (int)tracks, (int)identities, dwell, mix);
    }

    /// <summary>Counts, per camera and bucket, the spans that overlap the bucket (buckets start at the window's start).</summary>
    internal static List<ActivityBucket> Activity(IEnumerable<(string Camera, DateTimeOffset First, DateTimeOffset Last)> spans, TimeWindow window, TimeSpan bucket)
    {
        int buckets = (int)Math.Ceiling((window.To - window.From) / bucket) + 1;
        var counts = new SortedDictionary<string, int[]>(StringComparer.Ordinal);
        foreach (var (camera, first, last) in spans)
        {
            if (!counts.TryGetValue(camera, out var perBucket))
                counts[camera] = perBucket = new int[buckets];
            int from = Math.Max(0, (int)Math.Floor((first - window.From) / bucket));
            int to = Math.Min(buckets - 1, (int)Math.Floor((last - window.From) / bucket));
            for (int b = from; b <= to; b++)
                perBucket[b]++;
        }
        return counts.SelectMany(c => c.Value.Select((people, b) => (people, b)).Where(x => x.people > 0)
            .Select(x => new ActivityBucket(c.Key, window.From + (bucket * x.b), x.people))).ToList();
    }

    /// <summary>About 60 buckets over the window, rounded to a readable size.</summary>
    public static TimeSpan DefaultBucket(TimeSpan window)
    {
        TimeSpan[] sizes = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1),
            TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30), TimeSpan.FromHours(1), TimeSpan.FromHours(6), TimeSpan.FromDays(1), TimeSpan.FromDays(7)];
        foreach (var size in sizes)
        {
            if (window / size <= 60)
                return size;
        }
        return TimeSpan.FromDays(30);
    }

    private static DateTimeOffset Utc(DateTime time) => new(DateTime.SpecifyKind(time, DateTimeKind.Utc));
}
