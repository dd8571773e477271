namespace UniHCP.Pipeline.Tracking.Stage;

/// <summary>Where a tracking stage gets its track ids: blocks that belong to one tracker alone, so that processes
/// taking a camera over from each other (a rebalance, a restart) never give one id twice.</summary>
public interface ITrackIdSource
{
    /// <summary>The first id of a new block of <paramref name="size"/> ids for <paramref name="cameraId"/>.</summary>
    Task<long> ReserveAsync(string cameraId, int size, CancellationToken cancellationToken);
}

/// <summary>Ids counted in memory from 1 per camera: one process, nothing stored before (tests, tools).</summary>
public sealed class CountingTrackIds : ITrackIdSource
{
    private readonly Dictionary<string, long> _next = new(StringComparer.Ordinal);

    public Task<long> ReserveAsync(string cameraId, int size, CancellationToken cancellationToken)
    {
        lock (_next)
        {
            long first = _next.GetValueOrDefault(cameraId, 1);
            _next[cameraId] = first + size;
            return Task.FromResult(first);
        }
    }
}
