namespace UniHCP.Pipeline.Ingest.Configuration;

/// <summary>How a live source is re-opened after it failed or ended: capped exponential back-off.</summary>
public sealed class ReconnectOptions
{
    /// <summary>Wait before the first retry; doubled after each failed attempt. Default 0.5 s.</summary>
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Upper bound of the wait between attempts. Default 30 s.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Consecutive failed attempts (no frame received) before the camera is given up;
    /// null (default) retries forever, as a surveillance operator expects of a camera.</summary>
    public int? MaxAttempts { get; set; }

    /// <summary>The wait before retry number <paramref name="attempt"/> (1-based).</summary>
    public TimeSpan DelayBefore(int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        double factor = Math.Pow(2, Math.Min(attempt - 1, 30));
        double ms = Math.Min(InitialDelay.TotalMilliseconds * factor, MaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(ms);
    }
}
