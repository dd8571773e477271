using Microsoft.Extensions.Logging;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Transport;
using UniHCP.Pipeline.Tracking.CrossCamera;
using UniHCP.Pipeline.Tracking.PerCamera;

namespace UniHCP.Pipeline.Tracking.Stage;

/// <summary>Where a tracking stage starts numbering, so that a new run never reuses an id the store already holds.</summary>
/// <param name="FirstTrackId">The first track id for a camera.</param>
/// <param name="FirstIdentityId">The first cross-camera identity id.</param>
public sealed record TrackingIdStart(Func<string, long> FirstTrackId, long FirstIdentityId)
{
    public static TrackingIdStart FromOne { get; } = new(_ => 1, 1);
}

/// <summary>
/// Person observations in, track updates and identity events out: one tracker per camera, one identity
/// service across cameras. Every observations message yields exactly one <see cref="TrackUpdate"/> (with the
/// frame's observations, so that the store writes a frame whole), and the identity events it caused are published
/// before it. Notices are forwarded in order. Single consumer: the identity service sees every camera.
/// </summary>
public sealed class TrackingStage(TrackerOptions trackerOptions, IdentityOptions identityOptions, TrackingIdStart ids, ILogger<TrackingStage> logger)
{
    private readonly Dictionary<string, CameraTracker> _trackers = new(StringComparer.Ordinal);
    private readonly IdentityService _identities = new(identityOptions, ids.FirstIdentityId);
    private readonly Dictionary<string, DateTimeOffset> _lastTime = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<long>> _confirmed = new(StringComparer.Ordinal);
    private long _updates;
    private long _tracks;
    private long _identityEvents;
    private long _outOfOrder;
    private readonly HashSet<long> _identitiesGiven = [];

    /// <summary>Track updates published.</summary>
    public long Updates => Interlocked.Read(ref _updates);

    /// <summary>Tracks confirmed (all cameras): the persons the store holds tracks for.</summary>
    public long TracksStarted => Interlocked.Read(ref _tracks);

    /// <summary>Distinct identities given to tracks (merged ones included).</summary>
    public long Identities
    {
        get
        {
            lock (_identitiesGiven)
                return _identitiesGiven.Count;
        }
    }

    /// <summary>Identity events published.</summary>
    public long IdentityEvents => Interlocked.Read(ref _identityEvents);

    /// <summary>Messages older than their camera's last one, which a tracker cannot take (counted, skipped).</summary>
    public long OutOfOrder => Interlocked.Read(ref _outOfOrder);

    public async Task RunAsync(ITopicSubscription<PersonObservations> persons, ITopicPublisher<TrackUpdate> tracks,
        ITopicPublisher<IdentityEvent> identities, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(persons);
        ArgumentNullException.ThrowIfNull(tracks);
        ArgumentNullException.ThrowIfNull(identities);
        try
        {
            await foreach (var delivery in persons.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (delivery.IsNotice)
                {
                    await tracks.PublishNoticeAsync(delivery.Notice, cancellationToken).ConfigureAwait(false);
                    if (delivery.Notice.IsTerminal)
                        EndCamera(delivery.CameraId);
                }
                else
                {
                    await TrackAsync(delivery.Event, tracks, identities, cancellationToken).ConfigureAwait(false);
                }
                persons.Acknowledge(delivery);
            }
            tracks.Complete();
            identities.Complete();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            tracks.Complete(ex);
            identities.Complete(ex);
            throw;
        }
    }

    private async Task TrackAsync(PersonObservations frame, ITopicPublisher<TrackUpdate> tracks, ITopicPublisher<IdentityEvent> identities, CancellationToken cancellationToken)
    {
        if (_lastTime.TryGetValue(frame.CameraId, out var last) && frame.CaptureTime <= last)
        {
            // A replay of a frame already tracked (at-least-once delivery): tracking it again would corrupt the tracks.
            Interlocked.Increment(ref _outOfOrder);
            TrackingLog.NotNewer(logger, frame.FrameSequence, frame.CameraId);
            return;
        }
        _lastTime[frame.CameraId] = frame.CaptureTime;
        if (!_trackers.TryGetValue(frame.CameraId, out var tracker))
        {
            tracker = new CameraTracker(frame.CameraId, trackerOptions, ids.FirstTrackId(frame.CameraId));
            _trackers[frame.CameraId] = tracker;
        }
        var detections = frame.Persons.Select(p => new TrackerDetection(p.DetectionIndex, p.Box, p.Score, p.Embedding)).ToList();
        var states = Reported(frame.CameraId, tracker.Update(frame.CaptureTime, detections));

        var events = _identities.Observe(frame.CameraId, frame.CaptureTime, tracker.Tracks);
        foreach (var state in states.Where(s => s.Status == TrackStatus.Removed))
            _identities.TrackEnded(frame.CameraId, state.TrackId);
        foreach (var identityEvent in events)
            await identities.PublishAsync(identityEvent, OverflowPolicy.Wait, cancellationToken).ConfigureAwait(false);
        Interlocked.Add(ref _identityEvents, events.Count);
        lock (_identitiesGiven)
            _identitiesGiven.UnionWith(events.Select(e => e.IdentityId));

        var withIdentities = states.Select(s => s with { IdentityId = s.IdentityId ?? _identities.IdentityOf(frame.CameraId, s.TrackId) }).ToList();
        await tracks.PublishAsync(new TrackUpdate(frame.CameraId, frame.FrameSequence, frame.CaptureTime, withIdentities, frame.Persons, frame.ModelVersion),
            OverflowPolicy.Wait, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _updates);
    }

    // Only persons are reported: a tentative track (seen once, perhaps a false detection) is published from the
    // frame it is confirmed on, and its end only if it was ever confirmed. The store then holds no one-frame ghosts.
    private List<TrackState> Reported(string cameraId, IReadOnlyList<TrackState> states)
    {
        if (!_confirmed.TryGetValue(cameraId, out var confirmed))
            _confirmed[cameraId] = confirmed = [];
        var reported = new List<TrackState>(states.Count);
        foreach (var state in states)
        {
            switch (state.Status)
            {
                case TrackStatus.Confirmed or TrackStatus.Lost:
                    if (confirmed.Add(state.TrackId))
                        Interlocked.Increment(ref _tracks);
                    reported.Add(state);
                    break;
                case TrackStatus.Removed when confirmed.Remove(state.TrackId):
                    reported.Add(state);
                    break;
            }
        }
        return reported;
    }

    private void EndCamera(string cameraId)
    {
        _confirmed.Remove(cameraId);
        if (!_trackers.Remove(cameraId, out var tracker))
            return;
        foreach (var track in tracker.Tracks)
            _identities.TrackEnded(cameraId, track.Id);
        _lastTime.Remove(cameraId);
    }
}
