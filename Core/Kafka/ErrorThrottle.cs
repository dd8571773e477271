namespace UniHCP.Pipeline.Transport.Kafka;

/// <summary>
/// Lets one log line per client and kind of error through per window, counting the rest. librdkafka reports every
/// failed reconnect - every client, several times a second - so a broker outage would otherwise bury the log (40 MB in
/// 11 minutes, measured with the brokers down). Fatal errors always pass.
/// </summary>
internal sealed class ErrorThrottle(TimeSpan window, Func<long>? clockMilliseconds = null)
{
    private readonly Func<long> _now = clockMilliseconds ?? (() => Environment.TickCount64);
    private readonly Dictionary<(string Client, string Kind), (long Since, int Suppressed)> _seen = [];
    private readonly Lock _sync = new();

    /// <summary>Whether to log this error now; when it is, <paramref name="suppressed"/> is how many like it were held
    /// back since the last one logged.</summary>
    public bool Admit(string client, string kind, out int suppressed)
    {
        long now = _now();
        lock (_sync)
        {
            if (_seen.TryGetValue((client, kind), out var entry) && now - entry.Since < (long)window.TotalMilliseconds)
            {
                _seen[(client, kind)] = (entry.Since, entry.Suppressed + 1);
                suppressed = 0;
                return false;
            }
            suppressed = entry.Suppressed;
            _seen[(client, kind)] = (now, 0);
            return true;
        }
    }
}
