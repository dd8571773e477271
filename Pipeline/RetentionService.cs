using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using UniHCP.Pipeline.Store;

namespace UniHCP.Pipeline.Hosting;

/// <summary>Retention beside the store stage: every Store:RetentionInterval (the first pass one interval after start), observations and
/// events older than Store:ObservationRetention, then each camera's oldest days while it is over its disk budget. Logs
/// what it removed; metrics unihcp.store.retention.removed_bytes / removed_observations.</summary>
public sealed partial class RetentionService(NpgsqlDataSource dataSource, IOptions<StoreOptions> options, ILogger<RetentionService> logger, IMeterFactory meters,
    TimeProvider? clock = null) : BackgroundService
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private long _removedBytes;
    private long _removedObservations;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (settings.RetentionInterval == TimeSpan.Zero)
            return;
        var meter = meters.Create(StageMeters.Name);
        meter.CreateObservableCounter("unihcp.store.retention.removed_bytes", () => Interlocked.Read(ref _removedBytes), "By", "Estimated bytes removed by retention by size.");
        meter.CreateObservableCounter("unihcp.store.retention.removed_observations", () => Interlocked.Read(ref _removedObservations), "{observation}", "Observations removed by retention by size.");
        using var timer = new PeriodicTimer(settings.RetentionInterval, _clock);
        // The first pass after one interval: a short run (or a test) is never trimmed under its feet.
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await PassAsync(settings, stoppingToken).ConfigureAwait(false);
            }
            catch (NpgsqlException ex)
            {
                // The next pass tries again; the pipeline does not stop for retention.
                Failed(logger, ex.Message);
            }
        }
    }

    private async Task PassAsync(StoreOptions settings, CancellationToken cancellationToken)
    {
        var dropped = await Retention.DropOldPartitionsAsync(dataSource, settings.ObservationRetention, _clock.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        if (dropped.Count > 0)
            DroppedByAge(logger, dropped.Count, string.Join(", ", dropped), settings.ObservationRetention);
        var budgets = settings.CameraBudgetBytes;
        long? fallback = settings.DefaultCameraBudgetBytes;
        if (budgets.Count == 0 && fallback is null)
            return;
        var (removed, over) = await RetentionBySize.TrimAsync(dataSource, budgets, fallback, cancellationToken).ConfigureAwait(false);
        foreach (var day in removed)
        {
            Interlocked.Add(ref _removedBytes, day.EstimatedBytes);
            Interlocked.Add(ref _removedObservations, day.Observations);
            RemovedBySize(logger, day.Camera, ByteSize.Format(day.CameraBytesBefore), ByteSize.Format(day.Budget), day.Day, day.Observations, day.Thumbnails, ByteSize.Format(day.EstimatedBytes));
        }
        foreach (var camera in over)
            StillOver(logger, camera.Camera, ByteSize.Format(camera.Bytes), ByteSize.Format(camera.Budget));
    }

    [LoggerMessage(6200, LogLevel.Information, "Retention: dropped {Count} day partition(s) older than {Age}: {Names}")]
    private static partial void DroppedByAge(ILogger logger, int count, string names, TimeSpan age);

    [LoggerMessage(6201, LogLevel.Information, "Retention: camera '{Camera}' held {Bytes} of its {Budget} budget; removed its oldest day {Day}: {Observations} observations, {Thumbnails} thumbnails, about {Freed}")]
    private static partial void RemovedBySize(ILogger logger, string camera, string bytes, string budget, DateOnly day, long observations, long thumbnails, string freed);

    [LoggerMessage(6202, LogLevel.Warning, "Retention: camera '{Camera}' holds {Bytes} in its newest day alone, over its {Budget} budget; the newest day is kept")]
    private static partial void StillOver(ILogger logger, string camera, string bytes, string budget);

    [LoggerMessage(6203, LogLevel.Warning, "Retention failed ({Reason}); trying again at the next pass")]
    private static partial void Failed(ILogger logger, string reason);
}
