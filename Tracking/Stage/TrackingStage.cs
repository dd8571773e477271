using Microsoft.Extensions.Logging;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Core.Transport;
using UniHCP.Pipeline.Tracking.PerCamera;

namespace UniHCP.Pipeline.Tracking.Stage;

/// <summary>
/// Person observations in, track updates out: one tracker per camera and nothing shared between cameras, so that
/// the stage scales out by camera partition (one consumer group; each process tracks the cameras of its partitions).
/// Every observations message yields exactly one <see cref="TrackUpdate"/> (with the frame's observations, so that the
/// store writes a frame whole); notices are forwarded in order. A camera this process has not tracked before - a new
/// camera, a restart, or a partition handed over by a rebalance - starts with fresh tracks whose ids come from a
/// block no other tracker holds (<see cref="ITrackIdSource"/>); a person walking across a handover gets a new track.
/// Cross-camera identities are the identities stage's work.
/// </summary>
public sealed class TrackingStage(TrackerOptions options, ITrackIdSource ids, ILogger<TrackingStage> logger)
{
    /// <summary>Ids reserved at a time per camera: a restart leaves at most this many unused.</summary>
    public const int IdBlockSize = 1000;

    private readonly Dictionary<string, CameraState> _cameras = new(StringComparer.Ordinal);
    private long _updates;
    private long _tracks;
    private long _outOfOrder;

    /// <summary>Track updates published.</summary>
    public long Updates => Interlocked.Read(ref _updates);

    /// <summary>Tracks confirmed (all cameras): the persons the store holds tracks for.</summary>
    public long TracksStarted => Interlocked.Read(ref _tracks);

    /// <summary>Messages not newer than their camera's last one, which a tracker cannot take (counted, skipped).</summary>
    public long OutOfOrder => Interlocked.Read(ref _outOfOrder);

    public async Task RunAsync(ITopicSubscription<PersonObservations> persons, ITopicPublisher<TrackUpdate> tracks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(persons);
        ArgumentNullException.ThrowIfNull(tracks);
        options.Validate();
        try
        {
            await foreach (var delivery in persons.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (delivery.IsNotice)
                {
                    await tracks.PublishNoticeAsync(delivery.Notice, cancellationToken).ConfigureAwait(false);
                    if (delivery.Notice.IsTerminal)
                        _cameras.Remove(delivery.CameraId);
                }
                else
                {
                    await TrackAsync(delivery.Event, tracks, cancellationToken).ConfigureAwait(false);
                }
                persons.Acknowledge(delivery);
            }
            tracks.Complete();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            tracks.Complete(ex);
            throw;
        }
    }

    private async Task TrackAsync(PersonObservations frame, ITopicPublisher<TrackUpdate> tracks, CancellationToken cancellationToken)
    {
        if (!_cameras.TryGetValue(frame.CameraId, out var camera))
        {
            camera = new CameraState(frame.CameraId, options);
            _cameras[frame.CameraId] = camera;
        }
        if (camera.LastTime is { } last && frame.CaptureTime <= last)
        {
            // A replay of a frame already tracked (at-least-once delivery): tracking it again would corrupt the tracks.
            Interlocked.Increment(ref _outOfOrder);
            TrackingLog.NotNewer(logger, frame.FrameSequence, frame.CameraId);
            return;
        }
        camera.LastTime = frame.CaptureTime;
        // A frame starts at most one track per person in it: reserve before the block could run out mid-frame.
        if (camera.IdsLeft < frame.Persons.Count)
            camera.NewBlock(await ids.ReserveAsync(frame.CameraId, Math.Max(IdBlockSize, frame.Persons.Count), cancellationToken).ConfigureAwait(false),
                Math.Max(IdBlockSize, frame.Persons.Count));
        var detections = frame.Persons.Select(p => new TrackerDetection(p.DetectionIndex, p.Box, p.Score, p.Embedding)).ToList();
        var states = camera.Reported(camera.Tracker.Update(frame.CaptureTime, detections, frame.UnsearchedBelowHeight), ref _tracks);
        await tracks.PublishAsync(new TrackUpdate(frame.CameraId, frame.FrameSequence, frame.CaptureTime, states, frame.Persons, frame.ModelVersion),
            OverflowPolicy.Wait, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _updates);
    }

    /// <summary>One camera's tracker, the ids it may give and which of its tracks were ever confirmed.</summary>
    private sealed class CameraState
    {
        private readonly HashSet<long> _confirmed = [];
        private long _next;
        private long _end;

        public CameraState(string cameraId, TrackerOptions options) =>
            Tracker = new CameraTracker(cameraId, options, () => _next < _end ? _next++ : throw new InvalidOperationException("Track id block exhausted."));

        public CameraTracker Tracker { get; }

        public DateTimeOffset? LastTime { get; set; }

        public long IdsLeft => _end - _next;

        public void NewBlock(long first, int size)
        {
            _next = first;
            _end = first + size;
        }

        // Only persons are reported: a tentative track (seen once, perhaps a false detection) is published from the
        // frame it is confirmed on, and its end only if it was ever confirmed. The store then holds no one-frame ghosts.
        public List<TrackState> Reported(IReadOnlyList<TrackState> states, ref long confirmedCount)
        {
            var reported = new List<TrackState>(states.Count);
            foreach (var state in states)
            {
                switch (state.Status)
                {
                    case TrackStatus.Confirmed or TrackStatus.Lost:
                        if (_confirmed.Add(state.TrackId))
                            Interlocked.Increment(ref confirmedCount);
                        reported.Add(state);
                        break;
                    case TrackStatus.Removed when _confirmed.Remove(state.TrackId):
                        reported.Add(state);
                        break;
                }
            }
            return reported;
        }
    }
}
