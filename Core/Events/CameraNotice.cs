namespace UniHCP.Pipeline.Core.Events;

/// <summary>What happened to a camera's stream.</summary>
public enum CameraNoticeKind
{
    /// <summary>The source was opened (first time or after a reconnect) and frames follow.</summary>
    Connected = 0,

    /// <summary>A live source was lost; ingest is reconnecting. Not terminal.</summary>
    Disconnected = 1,

    /// <summary>The source ended normally; no more events follow for this camera. Terminal.</summary>
    EndOfStream = 2,

    /// <summary>The source failed for good (bad file, unreachable, retries exhausted); no more events
    /// follow for this camera. Terminal.</summary>
    Failed = 3,
}

/// <summary>
/// A control event on a camera's stream, carried in order with the camera's data events so that
/// downstream stages see e.g. an end of stream exactly after the last frame.
/// </summary>
/// <param name="CameraId">The camera concerned.</param>
/// <param name="Kind">What happened.</param>
/// <param name="Time">Wall-clock time of the event.</param>
/// <param name="LastSequence">The last frame sequence published for the camera before this notice,
/// or -1 when none was.</param>
/// <param name="Message">Human-readable detail: the error for <see cref="CameraNoticeKind.Failed"/> and
/// <see cref="CameraNoticeKind.Disconnected"/>, the stream description for <see cref="CameraNoticeKind.Connected"/>.</param>
public sealed record CameraNotice(
    string CameraId,
    CameraNoticeKind Kind,
    DateTimeOffset Time,
    long LastSequence,
    string? Message = null) : ICameraEvent
{
    /// <summary>True when no further events follow for the camera.</summary>
    public bool IsTerminal => Kind is CameraNoticeKind.EndOfStream or CameraNoticeKind.Failed;
}
