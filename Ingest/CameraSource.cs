using UniHCP.Pipeline.Ingest.Configuration;

namespace UniHCP.Pipeline.Ingest;

/// <summary>
/// A validated, immutable camera description: what ingest runs on. Built from
/// <see cref="CameraOptions"/> by <see cref="IngestOptionsValidator"/>.
/// </summary>
public sealed record CameraSource
{
    public required string Id { get; init; }

    /// <summary>Absolute file path, or the URL as configured.</summary>
    public required string Location { get; init; }

    public required SourceKind Kind { get; init; }

    public required bool IsLive { get; init; }

    public bool Listen { get; init; }

    public double? FrameRate { get; init; }

    public int? Width { get; init; }

    public int? Height { get; init; }

    public ScaleAlgorithm Scaler { get; init; } = ScaleAlgorithm.Area;

    public RtspTransport RtspTransport { get; init; } = RtspTransport.Tcp;

    public DateTimeOffset? StartTime { get; init; }

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan ReconnectInitialDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    public int? ReconnectMaxAttempts { get; init; }

    /// <summary>The location safe to print: a URL's user:password is masked.</summary>
    public string DisplayLocation =>
        Kind != SourceKind.File && Uri.TryCreate(Location, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0
            ? Location.Replace(uri.UserInfo + "@", "***@", StringComparison.Ordinal)
            : Location;

    /// <summary>Wait before reconnect attempt <paramref name="attempt"/> (1-based): capped exponential.</summary>
    public TimeSpan ReconnectDelay(int attempt) =>
        new ReconnectOptions { InitialDelay = ReconnectInitialDelay, MaxDelay = ReconnectMaxDelay }.DelayBefore(attempt);
}
