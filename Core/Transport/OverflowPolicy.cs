namespace UniHCP.Pipeline.Core.Transport;

/// <summary>What a publish does when the camera's queue towards a consumer is full.</summary>
public enum OverflowPolicy
{
    /// <summary>Wait for room (back-pressure). Nothing is lost: files, observations, tracks.</summary>
    Wait = 0,

    /// <summary>Make room by discarding the camera's oldest queued event (never a notice); the drop is
    /// counted. For live sources, where a fresh frame is worth more than a stale one.</summary>
    DropOldest = 1,
}
