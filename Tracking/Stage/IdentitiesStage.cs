using Microsoft.Extensions.Logging;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Transport;
using UniHCP.Pipeline.Tracking.CrossCamera;

namespace UniHCP.Pipeline.Tracking.Stage;

/// <summary>
/// Track updates of every camera in, identity events out: links the tracks of one person across cameras from each
/// track's appearance (rebuilt from the updates: status, matched frames, the running average of the matched
/// observations' ReID embeddings). One consumer: the identity service must see every camera. Tracks without
/// embeddings (weights without ReID) take part in nothing and cost nothing. With a <see cref="ICalibrationMemory"/>,
/// each camera's pairs of people seen together are kept between runs (<see cref="IdentityOptions.RememberPairs"/>).
/// </summary>
public sealed class IdentitiesStage
{
    private readonly IdentityOptions _options;
    private readonly ILogger<IdentitiesStage> _logger;
    private readonly IdentityService _identities;
    private readonly PairMemoryKeeper? _memory;
    private readonly Dictionary<string, Dictionary<long, TrackAppearance>> _cameras = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _lastTime = new(StringComparer.Ordinal);
    private readonly HashSet<long> _given = [];
    private long _events;
    private long _outOfOrder;
    private bool _thresholdsKnown;
    private bool _tooFewLogged;

    /// <param name="options">Identity settings.</param>
    /// <param name="firstIdentityId">The first identity id to give.</param>
    /// <param name="logger">Log.</param>
    /// <param name="memory">Where each camera's pairs are kept between runs; null (or <see cref="IdentityOptions.RememberPairs"/>
    /// off, or both thresholds configured): nothing is remembered.</param>
    public IdentitiesStage(IdentityOptions options, long firstIdentityId, ILogger<IdentitiesStage> logger, ICalibrationMemory? memory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _logger = logger;
        _identities = new IdentityService(options, firstIdentityId);
        bool learns = options.MinSimilarity is null || options.MergeSimilarity is null;
        if (memory is not null && options.RememberPairs && learns)
            _memory = new PairMemoryKeeper(memory, _identities, logger);
    }

    /// <summary>Distinct identities given to tracks (merged ones included).</summary>
    public long Identities
    {
        get
        {
            lock (_given)
                return _given.Count;
        }
    }

    /// <summary>Identity events published.</summary>
    public long IdentityEvents => Interlocked.Read(ref _events);

    /// <summary>Updates not newer than their camera's last one (replays), skipped.</summary>
    public long OutOfOrder => Interlocked.Read(ref _outOfOrder);

    public async Task RunAsync(ITopicSubscription<TrackUpdate> updates, ITopicPublisher<IdentityEvent> identities, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(updates);
        ArgumentNullException.ThrowIfNull(identities);
        try
        {
            await foreach (var delivery in updates.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (delivery.IsNotice)
                {
                    if (delivery.Notice.IsTerminal)
                        await EndCameraAsync(delivery.CameraId, identities, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await ObserveAsync(delivery.Event, identities, cancellationToken).ConfigureAwait(false);
                }
                updates.Acknowledge(delivery);
            }
            await PublishAsync(identities, _identities.InputEnded(), cancellationToken).ConfigureAwait(false);
            LogThresholds(atEnd: true);
            if (_memory is not null)
                await _memory.StoppingAsync(cancellationToken).ConfigureAwait(false);
            identities.Complete();
        }
        catch (OperationCanceledException) when (_memory is not null)
        {
            // Stopped (Ctrl+C, host shutdown): keep what this run learned, briefly, then stop as asked.
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _memory.StoppingAsync(grace.Token).ConfigureAwait(false);
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            identities.Complete(ex);
            throw;
        }
    }

    private async Task ObserveAsync(TrackUpdate update, ITopicPublisher<IdentityEvent> identities, CancellationToken cancellationToken)
    {
        if (_lastTime.TryGetValue(update.CameraId, out var last) && update.CaptureTime <= last)
        {
            Interlocked.Increment(ref _outOfOrder);
            TrackingLog.NotNewer(_logger, update.FrameSequence, update.CameraId);
            return;
        }
        _lastTime[update.CameraId] = update.CaptureTime;
        if (_memory is not null)
            await _memory.BeforeAsync(update.CameraId, update.ModelVersion, update.CaptureTime, cancellationToken).ConfigureAwait(false);
        if (!_cameras.TryGetValue(update.CameraId, out var tracks))
            _cameras[update.CameraId] = tracks = [];
        var observations = update.Observations.ToDictionary(o => o.DetectionIndex);
        var live = new List<ITrackAppearance>(update.Tracks.Count);
        foreach (var state in update.Tracks)
        {
            if (state.Status == TrackStatus.Removed)
            {
                tracks.Remove(state.TrackId);
                _identities.TrackEnded(update.CameraId, state.TrackId);
                continue;
            }
            if (!tracks.TryGetValue(state.TrackId, out var track))
                tracks[state.TrackId] = track = new TrackAppearance(state.TrackId, update.CaptureTime);
            track.Update(state, state.DetectionIndex is { } index ? observations.GetValueOrDefault(index) : null, _options.AppearanceMomentum);
            live.Add(track);
        }
        var events = _identities.Observe(update.CameraId, update.CaptureTime, live);
        LogThresholds(atEnd: false);
        await PublishAsync(identities, events, cancellationToken).ConfigureAwait(false);
        if (_memory is not null)
            await _memory.AfterAsync(update.CameraId, update.CaptureTime, cancellationToken).ConfigureAwait(false);
    }

    private void LogThresholds(bool atEnd)
    {
        if (_thresholdsKnown)
            return;
        if (_identities.JoinSimilarity is not { } join)
        {
            // Say why a run ends without identities (once): too few people were seen together to learn from.
            if (atEnd && !_tooFewLogged && _identities.CalibrationPairs > 0)
            {
                _tooFewLogged = true;
                TrackingLog.TooFewPairs(_logger, _identities.CalibrationPairs, _options.EndOfInputPairs > 0 ? Math.Min(_options.EndOfInputPairs, _options.CalibrationPairs) : _options.CalibrationPairs);
            }
            return;
        }
        _thresholdsKnown = true;
        if (_options.MinSimilarity is not null)
            return;
        if (atEnd)
            TrackingLog.ThresholdsLearnedAtEnd(_logger, _identities.CalibrationPairs, _options.CalibrationPairs, join, _identities.MergeSimilarity ?? join, _identities.LinkedAfterWaiting);
        else
            TrackingLog.ThresholdsLearned(_logger, _identities.CalibrationPairs, join, _identities.MergeSimilarity ?? join, _identities.LinkedAfterWaiting);
    }

    private async Task PublishAsync(ITopicPublisher<IdentityEvent> identities, IReadOnlyList<IdentityEvent> events, CancellationToken cancellationToken)
    {
        foreach (var identityEvent in events)
            await identities.PublishAsync(identityEvent, OverflowPolicy.Wait, cancellationToken).ConfigureAwait(false);
        Interlocked.Add(ref _events, events.Count);
        lock (_given)
            _given.UnionWith(events.Select(e => e.IdentityId));
    }

    // A camera's input ended: its tracks end. When it was the last camera still sending, the identities that waited for
    // thresholds get them from what was seen (IdentityOptions.EndOfInputPairs).
    private async Task EndCameraAsync(string cameraId, ITopicPublisher<IdentityEvent> identities, CancellationToken cancellationToken)
    {
        if (_cameras.Remove(cameraId, out var tracks))
        {
            foreach (long track in tracks.Keys)
                _identities.TrackEnded(cameraId, track);
        }
        if (_memory is not null)
            await _memory.EndedAsync(cameraId, cancellationToken).ConfigureAwait(false);
        _lastTime.Remove(cameraId);
        if (_lastTime.Count == 0)
        {
            await PublishAsync(identities, _identities.InputEnded(), cancellationToken).ConfigureAwait(false);
            LogThresholds(atEnd: true);
        }
    }
}
