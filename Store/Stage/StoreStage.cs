using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npgsql;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Transport;
using UniHCP.Pipeline.Store.Writing;

namespace UniHCP.Pipeline.Store.Stage;

/// <summary>
/// Track updates and identity events in, PostgreSQL out. Writes what has arrived in one transaction per batch
/// and acknowledges only after the commit, so nothing acknowledged is lost and a replay changes nothing (the
/// writers are idempotent). A transient database error (connection lost, server restarting) is retried with
/// back-off until it succeeds or the stage is cancelled; a message the database refuses for good is written
/// to dead_letters with the reason and the rest go on.
/// </summary>
public sealed class StoreStage(NpgsqlDataSource dataSource, ILogger<StoreStage> logger, int maxBatch = 200, TimeSpan interpolateGapsUpTo = default)
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private readonly TrackUpdateWriter _tracks = new(dataSource, interpolateGapsUpTo);
    private readonly IdentityWriter _identities = new(dataSource);
    private readonly DeadLetters _deadLetters = new(dataSource);
    private readonly EmbeddingIndexer _indexer = new(dataSource);

    /// <summary>Tracks the embedding indexer takes per transaction (each an HNSW insertion of a few ms).</summary>
    public const int IndexBatch = 100;

    /// <summary>How long the indexer waits when nothing is pending.</summary>
    public static readonly TimeSpan IndexIdleWait = TimeSpan.FromSeconds(1);

    /// <summary>How often the indexer looks for cameras still without their own similarity index.</summary>
    public static readonly TimeSpan CameraIndexCheck = TimeSpan.FromSeconds(30);

    public StoreStageCounters Counters { get; } = new();

    /// <summary>Writes track updates until the topic ends. <paramref name="cancellationToken"/> aborts (what is
    /// not committed stays unacknowledged); to drain, complete the upstream stages instead.</summary>
    public async Task RunTracksAsync(ITopicSubscription<TrackUpdate> updates, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(updates);
        await foreach (var batch in updates.ReadBatchesAsync(maxBatch, cancellationToken).ConfigureAwait(false))
        {
            var events = batch.Where(d => !d.IsNotice).Select(d => d.Event!).ToList();
            if (events.Count > 0)
                await WriteTracksAsync(events, cancellationToken).ConfigureAwait(false);
            foreach (var delivery in batch)
                updates.Acknowledge(delivery);
        }
    }

    /// <summary>Writes identity events until the topic ends.</summary>
    public async Task RunIdentitiesAsync(ITopicSubscription<IdentityEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        await foreach (var batch in events.ReadBatchesAsync(maxBatch, cancellationToken).ConfigureAwait(false))
        {
            var items = batch.Where(d => !d.IsNotice).Select(d => d.Event!).ToList();
            if (items.Count > 0)
            {
                await WithRetriesAsync("identity events", async () =>
                {
                    await _identities.WriteAsync(items, cancellationToken).ConfigureAwait(false);
                    return 0;
                }, items, "identities", cancellationToken).ConfigureAwait(false);
                Counters.AddIdentityEvents(items.Count);
            }
            foreach (var delivery in batch)
                events.Acknowledge(delivery);
        }
    }

    /// <summary>
    /// The embedding indexer beside the writers (<see cref="EmbeddingIndexer"/>): indexes pending track units in small
    /// transactions while there are any, waits a second when there are none, and once <paramref name="writersDone"/>
    /// has completed indexes what is left and returns. A database error is logged and retried after a wait: the writers
    /// go on, and pending tracks stay searchable exactly. It also builds the cameras' own similarity indexes that are
    /// missing (every <see cref="CameraIndexCheck"/>, and once more before it returns).
    /// </summary>
    public async Task RunIndexerAsync(Task writersDone, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writersDone);
        long lastCameraCheck = 0;
        while (true)
        {
            bool finishing = writersDone.IsCompleted;
            int indexed;
            try
            {
                indexed = await _indexer.IndexPendingAsync(IndexBatch, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException && !cancellationToken.IsCancellationRequested)
            {
                StoreLog.IndexingFailed(logger, ex.Message, IndexIdleWait.TotalSeconds);
                if (finishing)
                    return; // the run ends; the next one's indexer takes the rest
                await Task.Delay(IndexIdleWait, cancellationToken).ConfigureAwait(false);
                continue;
            }
            Counters.AddIndexed(indexed);
            // Also while units are pending: a busy store may never be idle, and a new camera's index is cheapest early.
            if ((indexed == 0 && finishing) || lastCameraCheck == 0 || Stopwatch.GetElapsedTime(lastCameraCheck) >= CameraIndexCheck)
            {
                await BuildCameraIndexesAsync(cancellationToken).ConfigureAwait(false);
                lastCameraCheck = Stopwatch.GetTimestamp();
            }
            if (indexed > 0)
                continue;
            if (finishing)
                return;
            await Task.WhenAny(Task.Delay(IndexIdleWait, cancellationToken), writersDone).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    // A failed build is logged and left for the next check (searches over that camera take the shared index meanwhile).
    private async Task BuildCameraIndexesAsync(CancellationToken cancellationToken)
    {
        try
        {
            int built = await _indexer.BuildCameraIndexesAsync(cancellationToken).ConfigureAwait(false);
            if (built > 0)
                StoreLog.CameraIndexesBuilt(logger, built);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            StoreLog.CameraIndexesFailed(logger, ex.Message);
        }
    }

    private async Task WriteTracksAsync(List<TrackUpdate> events, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        int stored = await WithRetriesAsync($"{events.Count} track updates", async () =>
            (await _tracks.WriteAsync(events, cancellationToken).ConfigureAwait(false)).NewObservations, events, "tracks", cancellationToken).ConfigureAwait(false);
        Counters.AddWrite(events.Count, stored, Stopwatch.GetElapsedTime(started));
    }

    // Transient errors: wait and retry the same batch. Anything else: one by one, so that only the messages the
    // database refuses end as dead letters.
    private async Task<int> WithRetriesAsync<T>(string what, Func<Task<int>> write, List<T> items, string source, CancellationToken cancellationToken)
        where T : class, ICameraEvent
    {
        var backoff = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                return await write().ConfigureAwait(false);
            }
            catch (Exception ex) when (IsTransient(ex) && !cancellationToken.IsCancellationRequested)
            {
                Counters.AddRetry();
                StoreLog.Retrying(logger, what, ex.Message, backoff.TotalSeconds);
                await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
            catch (Exception ex) when (ex is PostgresException or InvalidOperationException or ArgumentException && items.Count > 1)
            {
                StoreLog.OneByOne(logger, what, ex.Message);
                int total = 0;
                foreach (var item in items)
                    total += await WriteOneAsync(item, source, cancellationToken).ConfigureAwait(false);
                return total;
            }
            catch (Exception ex) when (ex is PostgresException or InvalidOperationException or ArgumentException)
            {
                await DeadLetterAsync(items[0], source, ex, cancellationToken).ConfigureAwait(false);
                return 0;
            }
        }
    }

    private async Task<int> WriteOneAsync<T>(T item, string source, CancellationToken cancellationToken) where T : class, ICameraEvent
    {
        Func<Task<int>> write = item switch
        {
            TrackUpdate update => async () => (await _tracks.WriteAsync([update], cancellationToken).ConfigureAwait(false)).NewObservations,
            IdentityEvent identity => async () =>
            {
                await _identities.WriteAsync([identity], cancellationToken).ConfigureAwait(false);
                return 0;
            },
            _ => throw new ArgumentException($"No writer for {typeof(T).Name}."),
        };
        return await WithRetriesAsync($"one {typeof(T).Name}", write, [item], source, cancellationToken).ConfigureAwait(false);
    }

    private async Task DeadLetterAsync<T>(T item, string source, Exception reason, CancellationToken cancellationToken) where T : class, ICameraEvent
    {
        Counters.AddDeadLetter();
        StoreLog.DeadLetter(logger, typeof(T).Name, item.CameraId, reason.Message);
        byte[] payload = JsonSerializer.SerializeToUtf8Bytes(item);
        await _deadLetters.AddAsync(source, item.CameraId, payload, reason.Message, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Errors worth waiting out: the server or the network, not the data.</summary>
    public static bool IsTransient(Exception ex) => ex switch
    {
        PostgresException pg => pg.IsTransient || pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState is "57P01" or "57P02" or "57P03",
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is System.Net.Sockets.SocketException or IOException or TimeoutException,
        TimeoutException => true,
        _ => false,
    };
}
