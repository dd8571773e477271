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

    /// <summary>Disk budget per camera ("500MB", "10GB", "2TB"): over it, the camera's oldest days of observations and
    /// thumbnails are removed first (<see cref="RetentionBySize"/>).</summary>
    public Dictionary<string, string> CameraBudgets { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The budget of cameras not in <see cref="CameraBudgets"/>; null: none.</summary>
    public string? DefaultCameraBudget { get; set; }

    /// <summary>How often the store stage's process applies retention (by age, then by size); zero: never (the
    /// `unihcp db retention` command still does). Default 1 hour, the first pass one interval after start. Age counts from
    /// capture time: analysing an archive recorded long ago needs a longer ObservationRetention.</summary>
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary><see cref="CameraBudgets"/> in bytes.</summary>
    public IReadOnlyDictionary<string, long> CameraBudgetBytes =>
        CameraBudgets.ToDictionary(b => b.Key, b => ByteSize.TryParse(b.Value, out long bytes) ? bytes : throw new ArgumentException($"Store:CameraBudgets:{b.Key} '{b.Value}' is not a size (500MB, 10GB, 2TB)."), StringComparer.Ordinal);

    /// <summary><see cref="DefaultCameraBudget"/> in bytes.</summary>
    public long? DefaultCameraBudgetBytes => DefaultCameraBudget is null ? null
        : ByteSize.TryParse(DefaultCameraBudget, out long bytes) ? bytes : throw new ArgumentException($"Store:DefaultCameraBudget '{DefaultCameraBudget}' is not a size (500MB, 10GB, 2TB).");

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
        if (RetentionInterval < TimeSpan.Zero || (RetentionInterval > TimeSpan.Zero && RetentionInterval < TimeSpan.FromMinutes(1)))
            throw new ArgumentException($"Store: RetentionInterval must be 0 (off) or at least a minute (got {RetentionInterval}).");
        _ = CameraBudgetBytes;
        _ = DefaultCameraBudgetBytes;
    }
}
