namespace UniHCP.Pipeline.Store;

/// <summary>The "Store" configuration section.</summary>
public sealed class StoreOptions
{
    public const string SectionName = "Store";

    /// <summary>Npgsql connection string (e.g. "Host=127.0.0.1;Port=55432;Username=postgres;Database=unihcp").
    /// Also read from ConnectionStrings:Store.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Observations older than this are dropped by the retention job (whole day partitions). Default 30 days.</summary>
    public TimeSpan ObservationRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>When a track is found again after being lost for at most this long, the frames between get observations
    /// with boxes interpolated between the two detections, flagged `interpolated`. Default 2 s; zero turns it off.</summary>
    public TimeSpan InterpolateGapsUpTo { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Apply pending schema migrations when a program starts. Default true.</summary>
    public bool MigrateOnStart { get; set; } = true;

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
            throw new ArgumentException("Store: no connection string; set Store:ConnectionString or ConnectionStrings:Store (infra/setup.sh writes one to .local/env).");
        if (ObservationRetention < TimeSpan.FromDays(1))
            throw new ArgumentException($"Store: ObservationRetention must be at least one day (got {ObservationRetention}).");
        if (InterpolateGapsUpTo < TimeSpan.Zero || InterpolateGapsUpTo > TimeSpan.FromMinutes(1))
            throw new ArgumentException($"Store: InterpolateGapsUpTo must be between 0 (off) and 1 minute (got {InterpolateGapsUpTo}).");
    }
}
