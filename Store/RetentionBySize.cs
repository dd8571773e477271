using Dapper;
using Npgsql;

namespace UniHCP.Pipeline.Store;

/// <summary>What the size retention removed of one camera's day.</summary>
/// <param name="Thumbnails">Crops removed: tracks' best thumbnails and their strip crops.</param>
public sealed record CameraDayRemoved(string Camera, DateOnly Day, long Observations, long Thumbnails, long EstimatedBytes, long CameraBytesBefore, long Budget);

/// <summary>A camera still over its budget after everything but its newest day went.</summary>
public sealed record CameraOverBudget(string Camera, long Bytes, long Budget);

/// <summary>
/// Keeps each camera's stored data under its disk budget (Store:CameraBudgets, Store:DefaultCameraBudget): while a
/// camera is over, its oldest day goes first - its observations (and interpolated ones), the thumbnails of its
/// tracks last seen that day and the day's strip crops (counted with the thumbnails); tracks and identities stay, as with retention by age. A camera's size is estimated from
/// its share of each day partition's rows (the partition's total size, indexes and TOAST included, split by rows) plus
/// its thumbnails and strip crops. The newest day is never removed, so nothing newer is lost to a budget set too small (reported).
/// Deleted rows free space that PostgreSQL reuses for new rows (autovacuum); the files do not shrink.
/// </summary>
public static class RetentionBySize
{
    public static async Task<(IReadOnlyList<CameraDayRemoved> Removed, IReadOnlyList<CameraOverBudget> Over)> TrimAsync(
        NpgsqlDataSource dataSource, IReadOnlyDictionary<string, long> budgets, long? defaultBudget, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(budgets);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var usage = await UsageAsync(connection, cancellationToken).ConfigureAwait(false);
        var removed = new List<CameraDayRemoved>();
        var over = new List<CameraOverBudget>();
        foreach (var (camera, days) in usage.OrderBy(u => u.Key, StringComparer.Ordinal))
        {
            long? budget = budgets.TryGetValue(camera, out long b) ? b : defaultBudget;
            if (budget is not { } limit)
                continue;
            long total = days.Sum(d => d.Value);
            var ordered = days.OrderBy(d => d.Key).ToList();
            for (int i = 0; i < ordered.Count - 1 && total > limit; i++)
            {
                var (day, bytes) = (ordered[i].Key, ordered[i].Value);
                var (observations, thumbnails) = await RemoveDayAsync(connection, camera, day, cancellationToken).ConfigureAwait(false);
                removed.Add(new CameraDayRemoved(camera, day, observations, thumbnails, bytes, total, limit));
                total -= bytes;
            }
            if (total > limit)
                over.Add(new CameraOverBudget(camera, total, limit));
        }
        return (removed, over);
    }

    /// <summary>Estimated bytes per camera per day (observations' share of their partition, plus thumbnails and strip crops).</summary>
    public static async Task<Dictionary<string, Dictionary<DateOnly, long>>> UsageAsync(NpgsqlConnection connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var partitionBytes = (await connection.QueryAsync<(string Name, long Bytes)>(new CommandDefinition(
            """
            select c.relname, pg_total_relation_size(c.oid) from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
            where p.relname = 'observations'
            """, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToDictionary(p => p.Name, p => p.Bytes, StringComparer.Ordinal);
        var rows = (await connection.QueryAsync<(string Camera, DateTime Day, long Rows)>(new CommandDefinition(
            "select camera_id, (capture_time at time zone 'UTC')::date, count(*) from observations group by 1, 2", cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        var perDay = rows.GroupBy(r => DateOnly.FromDateTime(r.Day)).ToDictionary(g => g.Key, g => g.Sum(r => r.Rows));
        var usage = new Dictionary<string, Dictionary<DateOnly, long>>(StringComparer.Ordinal);
        foreach (var (camera, date, count) in rows)
        {
            var day = DateOnly.FromDateTime(date);
            long partition = partitionBytes.GetValueOrDefault($"observations_{day:yyyyMMdd}");
            Add(usage, camera, day, (long)(partition * (count / (double)Math.Max(1, perDay[day]))));
        }
        var thumbnails = await connection.QueryAsync<(string Camera, DateTime Day, long Bytes)>(new CommandDefinition(
            """
            select t.camera_id, (k.last_seen at time zone 'UTC')::date, sum(octet_length(t.jpeg))::bigint
            from thumbnails t join tracks k on k.camera_id = t.camera_id and k.track_id = t.track_id group by 1, 2
            """, cancellationToken: cancellationToken)).ConfigureAwait(false);
        foreach (var (camera, date, bytes) in thumbnails)
            Add(usage, camera, DateOnly.FromDateTime(date), bytes);
        var strips = await connection.QueryAsync<(string Camera, DateTime Day, long Bytes)>(new CommandDefinition(
            "select camera_id, (slot_start at time zone 'UTC')::date, sum(octet_length(jpeg))::bigint from track_strip group by 1, 2",
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        foreach (var (camera, date, bytes) in strips)
            Add(usage, camera, DateOnly.FromDateTime(date), bytes);
        return usage;
    }

    private static void Add(Dictionary<string, Dictionary<DateOnly, long>> usage, string camera, DateOnly day, long bytes)
    {
        if (!usage.TryGetValue(camera, out var days))
            usage[camera] = days = [];
        days[day] = days.GetValueOrDefault(day) + bytes;
    }

    private static async Task<(long Observations, long Thumbnails)> RemoveDayAsync(NpgsqlConnection connection, string camera, DateOnly day, CancellationToken cancellationToken)
    {
        var from = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var to = from.AddDays(1);
        var key = new { camera, from, to };
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        long observations = await connection.ExecuteAsync(new CommandDefinition(
            "delete from observations where camera_id = @camera and capture_time >= @from and capture_time < @to", key, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        long thumbnails = await connection.ExecuteAsync(new CommandDefinition(
            """
            delete from thumbnails t using tracks k
            where t.camera_id = @camera and k.camera_id = t.camera_id and k.track_id = t.track_id and k.last_seen < @to
            """, key, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        thumbnails += await connection.ExecuteAsync(new CommandDefinition(
            "delete from track_strip where camera_id = @camera and slot_start < @to", key, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "delete from track_gaps where camera_id = @camera and capture_time < @to", key, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (observations, thumbnails);
    }
}
