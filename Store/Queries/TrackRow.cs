using Dapper;

namespace UniHCP.Pipeline.Store.Queries;

/// <summary>
/// The columns every track query selects, as Dapper reads them (Npgsql returns timestamptz as UTC
/// DateTime); <see cref="ToSummary"/> turns a row into the public record.
/// </summary>
internal sealed class TrackRow
{
    /// <summary>Select list over "tracks t" matching this class's properties.</summary>
    public const string Columns =
        "t.camera_id as CameraId, t.track_id as TrackId, t.identity_id as IdentityId, t.first_seen as FirstSeen, t.last_seen as LastSeen, " +
        "t.n as Observations, t.best_score as BestScore, t.upper_color as UpperColor, t.lower_color as LowerColor, " +
        "exists (select 1 from thumbnails h where h.camera_id = t.camera_id and h.track_id = t.track_id) as HasThumbnail";

    public string CameraId { get; set; } = "";
    public long TrackId { get; set; }
    public long? IdentityId { get; set; }
    public DateTime FirstSeen { get; set; }
    public DateTime LastSeen { get; set; }
    public int Observations { get; set; }
    public float BestScore { get; set; }
    public string? UpperColor { get; set; }
    public string? LowerColor { get; set; }
    public bool HasThumbnail { get; set; }

    /// <summary>Ranking score, when the query computes one.</summary>
    public double Score { get; set; }

    /// <summary>Total matching rows (count(*) over ()), when the query computes it.</summary>
    public long Total { get; set; }

    public TrackSummary ToSummary() => new(CameraId, TrackId, IdentityId, Utc(FirstSeen), Utc(LastSeen), Observations, BestScore, UpperColor, LowerColor, HasThumbnail);

    private static DateTimeOffset Utc(DateTime time) => new(DateTime.SpecifyKind(time, DateTimeKind.Utc));

    public static async Task<List<TrackRow>> QueryAsync(System.Data.IDbConnection connection, string sql, object? parameters, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<TrackRow>(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
}
