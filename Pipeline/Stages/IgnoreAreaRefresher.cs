using Microsoft.Extensions.Logging;
using Npgsql;
using UniHCP.Pipeline.Core.Geometry;
using UniHCP.Pipeline.Inference.Stage;
using UniHCP.Pipeline.Store.Writing;

namespace UniHCP.Pipeline.Hosting.Stages;

/// <summary>
/// Keeps the inference stage's ignore areas those the store has in force (<see cref="IgnoreAreaStore"/>): read at start,
/// then every refresh interval, so that an operator's edit applies to the running pipeline. A camera whose stored row
/// does not read as areas runs without areas and is logged once; a store that cannot be read leaves the last areas in force.
/// </summary>
internal sealed class IgnoreAreaRefresher(IgnoreAreaStore store, InferenceStage stage, ILogger logger)
{
    private readonly Dictionary<string, int> _inForce = new(StringComparer.Ordinal);
    private bool _failing;

    /// <summary>Reads the store's areas and hands them to the stage; a store error is thrown.</summary>
    public async Task ApplyAsync(CancellationToken cancellationToken)
    {
        var latest = await store.LatestAsync(cancellationToken).ConfigureAwait(false);
        var areas = new Dictionary<string, IReadOnlyList<IgnoreArea>>(StringComparer.Ordinal);
        foreach (var (camera, stored) in latest)
        {
            areas[camera] = stored.Areas;
            if (_inForce.TryGetValue(camera, out int version) && version == stored.Version)
                continue;
            _inForce[camera] = stored.Version;
            if (stored.Problem is { } problem)
                HostingLog.IgnoreAreasUnreadable(logger, problem);
            else
                HostingLog.IgnoreAreasInForce(logger, camera, stored.Areas.Count, stored.Version, stored.Source);
        }
        stage.SetIgnoreAreas(areas);
    }

    /// <summary>Re-reads every <paramref name="every"/> until cancelled.</summary>
    public async Task RunAsync(TimeSpan every, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(every);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await ApplyAsync(cancellationToken).ConfigureAwait(false);
                    _failing = false;
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException && !cancellationToken.IsCancellationRequested)
                {
                    if (!_failing) // once per outage, not every interval
                        HostingLog.IgnoreAreasNotRead(logger, ex.Message);
                    _failing = true;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
