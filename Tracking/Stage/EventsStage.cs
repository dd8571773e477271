using System.Text.Json;
using Microsoft.Extensions.Logging;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Geometry;
using UniHCP.Pipeline.Core.Transport;
using UniHCP.Pipeline.Tracking.Zones;

namespace UniHCP.Pipeline.Tracking.Stage;

/// <summary>
/// Track updates in, zone and line events out (<see cref="ZoneEventDetector"/> per camera with geometry). Events are
/// published at once (the live stream) and stored through <see cref="IZoneEventLog"/> together with every camera's
/// detector state; the input is acknowledged only up to what such a commit covers. A restarted stage loads the
/// checkpoints, skips the frames they hold, and recomputes the rest from the replayed input: the same events with the
/// same keys, so each is stored once (published again: the topic is at-least-once, its consumers key on the event).
/// </summary>
public sealed class EventsStage(ZoneEventOptions options, IZoneEventLog log, ILogger<EventsStage> logger, TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private IReadOnlyDictionary<string, CameraGeometry> _geometry = new Dictionary<string, CameraGeometry>();
    private long _geometryReadAt;
    private const int CommitAfterDeliveries = 2000;
    private readonly Dictionary<string, ZoneEventDetector> _detectors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _lastCommitTime = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private readonly List<ZoneEvent> _pending = [];
    private readonly Dictionary<int, Delivery<TrackUpdate>> _unacknowledged = [];
    private IReadOnlyDictionary<string, ZoneEventCheckpoint> _checkpoints = new Dictionary<string, ZoneEventCheckpoint>();
    private int _sinceCommit;
    private long _events;
    private long _stored;

    /// <summary>Events computed (replays included).</summary>
    public long Events => Interlocked.Read(ref _events);

    /// <summary>Events newly stored.</summary>
    public long Stored => Interlocked.Read(ref _stored);

    /// <param name="events">Where events are published live; null: stored only.</param>
    public async Task RunAsync(ITopicSubscription<TrackUpdate> updates, ITopicPublisher<ZoneEvent>? events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(updates);
        try
        {
            _checkpoints = await log.LoadCheckpointsAsync(cancellationToken).ConfigureAwait(false);
            await RefreshGeometryAsync(cancellationToken).ConfigureAwait(false);
            await foreach (var delivery in updates.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (_clock.GetElapsedTime(_geometryReadAt) >= options.GeometryRefresh)
                    await RefreshGeometryAsync(cancellationToken).ConfigureAwait(false);
                var detector = Detector(delivery.CameraId);
                IReadOnlyList<ZoneEvent> found = [];
                if (detector is null)
                {
                    // No geometry: nothing to remember, so nothing to wait for.
                }
                else if (delivery.IsNotice)
                {
                    if (delivery.Notice.IsTerminal)
                        found = detector.EndAll();
                    _dirty.Add(delivery.CameraId);
                }
                else
                {
                    found = detector.Apply(delivery.Event);
                    _dirty.Add(delivery.CameraId);
                }
                foreach (var zoneEvent in events is null ? [] : found)
                    await events!.PublishAsync(zoneEvent, OverflowPolicy.Wait, cancellationToken).ConfigureAwait(false);
                Interlocked.Add(ref _events, found.Count);
                _pending.AddRange(found);
                _unacknowledged[delivery.Partition] = delivery;
                _sinceCommit++;
                if (CommitDue(delivery))
                    await CommitAsync(updates, cancellationToken).ConfigureAwait(false);
            }
            await CommitAsync(updates, cancellationToken).ConfigureAwait(false);
            events?.Complete();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            events?.Complete(ex);
            throw;
        }
    }

    private bool CommitDue(in Delivery<TrackUpdate> delivery)
    {
        if (_sinceCommit >= CommitAfterDeliveries || (delivery.IsNotice && delivery.Notice.IsTerminal))
            return true;
        if (delivery.IsNotice)
            return false;
        var time = delivery.Event.CaptureTime;
        if (!_lastCommitTime.TryGetValue(delivery.CameraId, out var last))
        {
            _lastCommitTime[delivery.CameraId] = time;
            return false;
        }
        return time - last >= options.CheckpointEvery;
    }

    private async Task CommitAsync(ITopicSubscription<TrackUpdate> updates, CancellationToken cancellationToken)
    {
        var checkpoints = _dirty.Where(_detectors.ContainsKey).Select(camera => new ZoneEventCheckpoint(camera, _detectors[camera].State.LastFrame, _detectors[camera].Version,
            JsonSerializer.Serialize(_detectors[camera].State))).ToList();
        int stored = await log.CommitAsync(_pending, checkpoints, cancellationToken).ConfigureAwait(false);
        Interlocked.Add(ref _stored, stored);
        foreach (var delivery in _unacknowledged.Values)
        {
            updates.Acknowledge(delivery);
            if (!delivery.IsNotice)
                _lastCommitTime[delivery.CameraId] = delivery.Event.CaptureTime;
        }
        _unacknowledged.Clear();
        _pending.Clear();
        _dirty.Clear();
        _sinceCommit = 0;
    }

    // Reads the latest geometry; a camera whose version moved gets a new detector that keeps only the last frame it applied.
    private async Task RefreshGeometryAsync(CancellationToken cancellationToken)
    {
        _geometry = await log.LatestGeometryAsync(cancellationToken).ConfigureAwait(false);
        _geometryReadAt = _clock.GetTimestamp();
        foreach (var (camera, detector) in _detectors.ToList())
        {
            if (_geometry.TryGetValue(camera, out var latest) && latest.Version == detector.Version)
                continue;
            _detectors.Remove(camera);
            var state = new CameraPlacesState { LastFrame = detector.State.LastFrame, LastTime = detector.State.LastTime };
            _checkpoints = new Dictionary<string, ZoneEventCheckpoint>(_checkpoints, StringComparer.Ordinal)
            {
                [camera] = new ZoneEventCheckpoint(camera, state.LastFrame, -1, JsonSerializer.Serialize(state)),
            };
            TrackingLog.EventsGeometryChanged(logger, camera, latest?.Version ?? 0, detector.Version);
        }
    }

    private ZoneEventDetector? Detector(string cameraId)
    {
        if (_detectors.TryGetValue(cameraId, out var detector))
            return detector;
        if (!_geometry.TryGetValue(cameraId, out var cameraGeometry) || (cameraGeometry.Zones.Count == 0 && cameraGeometry.Lines.Count == 0))
            return null;
        CameraPlacesState? state = null;
        if (_checkpoints.TryGetValue(cameraId, out var checkpoint))
        {
            if (checkpoint.GeometryVersion == cameraGeometry.Version)
            {
                state = JsonSerializer.Deserialize<CameraPlacesState>(checkpoint.State);
                TrackingLog.EventsResumed(logger, cameraId, checkpoint.LastFrame, checkpoint.GeometryVersion);
            }
            else
            {
                // The frames it covered are still done: only the places are forgotten.
                state = new CameraPlacesState { LastFrame = checkpoint.LastFrame, LastTime = JsonSerializer.Deserialize<CameraPlacesState>(checkpoint.State)?.LastTime ?? DateTimeOffset.MinValue };
                TrackingLog.EventsGeometryChanged(logger, cameraId, cameraGeometry.Version, checkpoint.GeometryVersion);
            }
        }
        detector = new ZoneEventDetector(cameraId, cameraGeometry, options.ConfirmFrames, options.LineHysteresis, state, options.CountStartsInside);
        _detectors[cameraId] = detector;
        return detector;
    }
}
