using System.Diagnostics;
using Microsoft.Extensions.Logging;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Transport;
using UniHCP.Pipeline.Inference.Engine;

namespace UniHCP.Pipeline.Inference.Stage;

/// <summary>
/// Frames in, person observations out: batches frames across cameras through the perception engine and
/// publishes one <see cref="PersonObservations"/> per analysed frame (also when nobody is in it, so that
/// downstream stages see time pass). Notices are forwarded in order with their camera's results. A delivery is
/// acknowledged only after its result is published (at least once). A frame the model cannot take is counted
/// and logged and the others go on.
/// </summary>
/// <param name="snapshots">Where each camera's whole-frame JPEG goes every <see cref="InferenceStageOptions.SnapshotEvery"/>
/// (the host stores it when it has a store); null: none are made.</param>
public sealed class InferenceStage(PerceptionEngine engine, InferenceStageOptions options, ILogger<InferenceStage> logger,
    Func<VideoFrame, byte[], CancellationToken, Task>? snapshots = null)
{
    private readonly CameraSnapshotTaker? _snapshotTaker = snapshots is not null && options.SnapshotEvery > TimeSpan.Zero ? new CameraSnapshotTaker(options.SnapshotEvery) : null;
    private readonly InferenceStageCounters _counters = new();
    private readonly PersonTaskSchedule? _schedule = options.PersonTasksEvery is { } every ? new PersonTaskSchedule(every, options.Tracker) : null;
    private ModelThread[] _lanes = []; // made by RunAsync: all of its model calls run on them
    private readonly PlanningTurns _turns = new();
    private TileSchedule _tiles = new(1); // made by RunAsync from the validated options
    private long _batchesStarted;
    private readonly SmallPeopleCarry _carry = new(); // used in planning turns only: one batch at a time, in order
    private readonly Queue<InFlight> _inFlight = new();
    private int _nextLane;
    private PerceptionEngine _engine = engine;
    private PerceptionEngine? _next;
    private IReadOnlyDictionary<string, IReadOnlyList<Core.Geometry.IgnoreArea>>? _ignoreAreas;

    /// <summary>Live counters (thread-safe reads) for progress lines and metrics.</summary>
    public InferenceStageCounters Counters => _counters;

    /// <summary>The weights version observations are produced with now.</summary>
    public string ModelVersion => (_next ?? _engine).ModelVersion;

    /// <summary>Every camera's ignore areas from the next batch on, kept across engine swaps (the store's latest versions,
    /// re-read while the stage runs: an area drawn on the dashboard applies without a restart).</summary>
    public void SetIgnoreAreas(IReadOnlyDictionary<string, IReadOnlyList<Core.Geometry.IgnoreArea>> areas)
    {
        ArgumentNullException.ThrowIfNull(areas);
        Volatile.Write(ref _ignoreAreas, areas);
        Volatile.Read(ref _engine).SetIgnoreAreas(areas);
        Volatile.Read(ref _next)?.SetIgnoreAreas(areas);
    }

    /// <summary>
    /// Replaces the engine (a new weights version) without stopping: the batch in flight finishes on the old
    /// engine, every later frame uses the new one, and the old one is disposed by the stage.
    /// </summary>
    public void SwapEngine(PerceptionEngine next)
    {
        ArgumentNullException.ThrowIfNull(next);
        Interlocked.Exchange(ref _next, next)?.Dispose(); // a swap that never took effect is superseded
    }

    public async Task RunAsync(ITopicSubscription<VideoFrame> frames, ITopicPublisher<PersonObservations> persons, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentNullException.ThrowIfNull(persons);
        options.Validate();
        _tiles = new TileSchedule(options.DetectionTilesEvery);
        var (lanes, threads) = options.Lanes(Environment.ProcessorCount, TorchRuntime.RequestedThreads);
        _lanes = Enumerable.Range(0, lanes).Select(i => new ModelThread($"inference lane {i}", threads)).ToArray();
        _counters.SetLanes(lanes);
        _counters.IgnoredNow = () => Volatile.Read(ref _engine).IgnoredDetections;
        InferenceLog.Lanes(logger, lanes, threads);
        if (!FreeGuard.Active)
            InferenceLog.FreeGuardMissing(logger, FreeGuard.Problem ?? "not installed");
        try
        {
            var batches = frames.ReadBatchesAsync(options.BatchFrames, cancellationToken).GetAsyncEnumerator(cancellationToken);
            await using var closing = batches.ConfigureAwait(false);
            while (true)
            {
                var next = batches.MoveNextAsync().AsTask();
                // While no input comes, batches that finished are published (and their frames acknowledged) rather than
                // kept until the next batch: a source held back by how far its consumers lag (ingest --max-lag over
                // Kafka) sends nothing more until they are, and would otherwise wait for them forever.
                while (_inFlight.Count > 0 && await Task.WhenAny(next, _inFlight.Peek().Results).ConfigureAwait(false) != next)
                    await FinishAsync(_inFlight.Count - 1, frames, persons, cancellationToken).ConfigureAwait(false);
                if (!await next.ConfigureAwait(false))
                    break;
                var batch = batches.Current;
                // Notices keep their place: the frames before one are published before it.
                var pending = new List<Delivery<VideoFrame>>();
                foreach (var delivery in batch)
                {
                    if (!delivery.IsNotice)
                    {
                        pending.Add(delivery);
                        continue;
                    }
                    await StartAsync(pending, frames, persons, cancellationToken).ConfigureAwait(false);
                    pending = [];
                    await FinishAsync(0, frames, persons, cancellationToken).ConfigureAwait(false);
                    await persons.PublishNoticeAsync(delivery.Notice, cancellationToken).ConfigureAwait(false);
                    if (delivery.Notice.IsTerminal)
                    {
                        _schedule?.Forget(delivery.CameraId);
                        _tiles.Forget(delivery.CameraId);
                        _carry.Forget(delivery.CameraId); // no batch is in flight here (finished above)
                    }
                    frames.Acknowledge(delivery);
                }
                await StartAsync(pending, frames, persons, cancellationToken).ConfigureAwait(false);
            }
            await FinishAsync(0, frames, persons, cancellationToken).ConfigureAwait(false);
            persons.Complete();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            persons.Complete(ex);
            throw;
        }
        finally
        {
            foreach (var lane in _lanes)
                lane.Dispose(); // lets the batches in flight end (unpublished, unacknowledged: they come again)
            _lanes = [];
            Interlocked.Exchange(ref _next, null)?.Dispose();
            _engine.Dispose();
        }
    }

    /// <summary>Counts and checks the frames, then hands the batch to the next model lane; with every lane busy,
    /// first publishes the oldest batch in flight. Results are published in the order the batches were read.</summary>
    private async Task StartAsync(List<Delivery<VideoFrame>> deliveries, ITopicSubscription<VideoFrame> frames,
        ITopicPublisher<PersonObservations> persons, CancellationToken cancellationToken)
    {
        if (deliveries.Count == 0)
            return;
        if (Volatile.Read(ref _next) is not null)
        {
            // A new engine takes over between batches: the batches on the old one finish on it first.
            await FinishAsync(0, frames, persons, cancellationToken).ConfigureAwait(false);
            if (Interlocked.Exchange(ref _next, null) is { } next)
            {
                InferenceLog.Swapped(logger, _engine.ModelVersion, next.ModelVersion);
                _counters.KeepIgnored(_engine.IgnoredDetections);
                _engine.Dispose();
                if (Volatile.Read(ref _ignoreAreas) is { } areas)
                    next.SetIgnoreAreas(areas);
                Volatile.Write(ref _engine, next);
            }
        }
        var analysed = new List<Delivery<VideoFrame>>();
        foreach (var delivery in deliveries)
        {
            var frame = delivery.Event!;
            _counters.AddReceived();
            if (frame.Sequence % options.DetectionStride != 0)
            {
                _counters.AddSkipped();
                continue;
            }
            try
            {
                frame.Validate();
                analysed.Add(delivery);
            }
            catch (ArgumentException ex)
            {
                Reject(frame, ex);
            }
        }

        await FinishAsync(_lanes.Length - 1, frames, persons, cancellationToken).ConfigureAwait(false);
        var batch = analysed.Select(d => d.Event!).ToList();
        var engine = _engine;
        // Tiles are chosen here, where each camera's frames pass in order, from what batches at least two back found
        // (published by now whatever the lanes), so that lanes running side by side cannot change the choice.
        long number = _batchesStarted++;
        _tiles.ApplyUpTo(number - 2);
        var tiles = batch.Select(f => _tiles.Choose(f, engine.Options.TilesFor(f.CameraId, f.Width, f.Height))).ToList();
        var turn = _turns.Next();
        var lane = _lanes[_nextLane++ % _lanes.Length];
        _inFlight.Enqueue(new InFlight(deliveries, analysed, number, tiles, lane.RunAsync(() => Run(engine, batch, tiles, turn))));
    }

    /// <summary>Publishes the oldest batches in flight until at most <paramref name="keep"/> remain.</summary>
    private async Task FinishAsync(int keep, ITopicSubscription<VideoFrame> frames, ITopicPublisher<PersonObservations> persons, CancellationToken cancellationToken)
    {
        while (_inFlight.Count > keep)
        {
            var (deliveries, analysed, number, tiles, running) = _inFlight.Peek();
            var results = await running.ConfigureAwait(false);
            _inFlight.Dequeue();
            for (int i = 0; i < analysed.Count; i++)
            {
                if (results[i] is not { } result)
                    continue;
                await persons.PublishAsync(WithThumbnails(result, analysed[i].Event!), OverflowPolicy.Wait, cancellationToken).ConfigureAwait(false);
                _tiles.Observe(number, result, tiles[i]);
            }
            if (_snapshotTaker is not null)
            {
                foreach (var delivery in analysed)
                    await SnapshotAsync(delivery.Event!, cancellationToken).ConfigureAwait(false);
            }
            foreach (var delivery in deliveries)
                frames.Acknowledge(delivery);
        }
    }

    /// <summary>The batch through the engine; when the batch fails, each frame alone, so one bad frame costs only itself.</summary>
    private PersonObservations?[] Run(PerceptionEngine engine, List<VideoFrame> batch, List<bool[]?> tiles, PlanningTurns.Turn turn)
    {
        try
        {
            return RunInTurn(engine, batch, tiles, turn);
        }
        finally
        {
            turn.End();
        }
    }

    private PersonObservations?[] RunInTurn(PerceptionEngine engine, List<VideoFrame> batch, List<bool[]?> tiles, PlanningTurns.Turn turn)
    {
        var results = new PersonObservations?[batch.Count];
        if (batch.Count == 0)
            return results;
        long started = Stopwatch.GetTimestamp();
        try
        {
            var all = Process(engine, batch, tiles, turn);
            for (int i = 0; i < batch.Count; i++)
                results[i] = all[i];
        }
        catch (Exception ex) when (ex is not OutOfMemoryException && batch.Count > 1)
        {
            InferenceLog.BatchFailed(logger, ex, batch.Count);
            for (int i = 0; i < batch.Count; i++)
            {
                try
                {
                    results[i] = Process(engine, [batch[i]], [tiles[i]], turn)[0];
                }
                catch (Exception single) when (single is not OutOfMemoryException)
                {
                    Reject(batch[i], single);
                }
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Reject(batch[0], ex);
        }
        // Sizes and passes first: a reader that sees the batch counted sees its people measured.
        int tiledFrames = 0;
        long passes = 0;
        for (int i = 0; i < batch.Count; i++)
        {
            if (results[i] is null)
                continue;
            int read = tiles[i] is { } chosen ? chosen.Count(r => r) : 0;
            tiledFrames += read > 0 ? 1 : 0;
            passes += 1 + read;
        }
        _counters.AddDetectionPasses(tiledFrames, passes);
        for (int i = 0; i < batch.Count; i++)
        {
            if (results[i] is { Persons.Count: > 0 } result)
            {
                var frame = batch[i];
                double scale = (double)engine.DetectionResize.SizeFor(frame.Width, frame.Height).Height / frame.Height;
                _counters.PersonSizes.Add(frame.CameraId, result.Persons.Select(p => p.Box.Height), scale, engine.Options.TilesFor(frame.CameraId, frame.Width, frame.Height));
            }
        }
        _counters.AddBatch(results.Count(r => r is not null), results.Sum(r => r?.Persons.Count ?? 0), Stopwatch.GetElapsedTime(started));
        return results;
    }

    // Detection runs at once; carrying small people between frames and the planning wait for the batches read before
    // this one to be done, so both see every camera's frames in order.
    private IReadOnlyList<PersonObservations> Process(PerceptionEngine engine, List<VideoFrame> batch, List<bool[]?> tiles, PlanningTurns.Turn turn)
    {
        IReadOnlyList<Detection> Carry(int f, IReadOnlyList<Detection> detections)
        {
            if (tiles[f] is null)
                return detections;
            turn.Wait();
            var frame = batch[f];
            return _carry.Amend(frame, detections, tiles[f], engine.Options.UnsearchedBelowHeight(frame.CameraId, frame.Width, frame.Height));
        }
        return _schedule is null ? engine.Process(batch, null, tiles, Carry) : engine.Process(batch, (f, detections, describe) =>
        {
            turn.Wait();
            _schedule.Plan(batch[f], detections, describe, engine.UnsearchedBelowHeight(batch[f], tiles[f]));
        }, tiles, Carry);
    }

    private PersonObservations WithThumbnails(PersonObservations result, VideoFrame frame)
    {
        if (options.ThumbnailHeight == 0 || result.Persons.Count == 0)
            return result;
        return result with
        {
            Persons = result.Persons.Select(p => p with { Thumbnail = Thumbnails.Crop(frame, p.Box, options.ThumbnailHeight, blurHead: options.BlurHeads, keypoints: p.Keypoints) }).ToList(),
        };
    }

    // A snapshot that cannot be stored is logged and skipped: the analysis goes on.
    private async Task SnapshotAsync(VideoFrame frame, CancellationToken cancellationToken)
    {
        if (_snapshotTaker!.Take(frame) is not { } jpeg)
            return;
        try
        {
            await snapshots!(frame, jpeg, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            InferenceLog.SnapshotFailed(logger, frame.CameraId, ex.Message);
        }
    }

    private sealed record InFlight(List<Delivery<VideoFrame>> Deliveries, List<Delivery<VideoFrame>> Analysed, long Number, List<bool[]?> Tiles, Task<PersonObservations?[]> Results);

    private void Reject(VideoFrame frame, Exception reason)
    {
        _counters.AddRejected();
        InferenceLog.Rejected(logger, frame.Sequence, frame.CameraId, reason.Message);
    }
}
