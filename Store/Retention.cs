using System.Globalization;
using Dapper;
using Npgsql;

namespace UniHCP.Pipeline.Store;

/// <summary>Drops whole day partitions of observations older than the retention age, and zone events as old (tracks and identities stay).</summary>
public static class Retention
{
    /// <summary>Drops partitions whose whole day is older than <paramref name="now"/> - <paramref name="age"/>; returns their names.</summary>
    public static async Task<IReadOnlyList<string>> DropOldPartitionsAsync(NpgsqlDataSource dataSource, TimeSpan age, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var partitions = await connection.QueryAsync<string>(new CommandDefinition(
            """
            select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
            where p.relname = 'observations' order by c.relname
            """, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var cutoff = DateOnly.FromDateTime((now - age).UtcDateTime);
        var dropped = new List<string>();
        foreach (string name in partitions)
        {
            if (!DateOnly.TryParseExact(name.Replace("observations_", string.Empty, StringComparison.Ordinal), "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
                continue;
            // The partition holds [day, day + 1): it is old once its end is at or before the cutoff day.
            if (day.AddDays(1) <= cutoff)
            {
                await connection.ExecuteAsync(new CommandDefinition($"drop table \"{name}\"", cancellationToken: cancellationToken)).ConfigureAwait(false);
                dropped.Add(name);
            }
        }
        // Lost frames of tracks that never ended (the source stopped while they were lost) are dropped with their day.
        await connection.ExecuteAsync(new CommandDefinition("delete from track_gaps where capture_time < @cutoff",
            new { cutoff = cutoff.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        // A track's strip of crops goes with the day it shows.
        await connection.ExecuteAsync(new CommandDefinition("delete from track_strip where slot_start < @cutoff",
            new { cutoff = cutoff.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        // Zone and line events go with the observations they were counted from.
        await connection.ExecuteAsync(new CommandDefinition("delete from zone_events where time < @cutoff",
            new { cutoff = cutoff.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return dropped;
    }
}
