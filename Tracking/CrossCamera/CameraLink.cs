namespace UniHCP.Pipeline.Tracking.CrossCamera;

/// <summary>
/// A way people get from one camera's view to another's, with how long it takes: the identity
/// service only links a track on <see cref="To"/> to someone last seen on <see cref="From"/> between
/// <see cref="MinTransit"/> and <see cref="MaxTransit"/> earlier. Overlapping views have a minimum of zero.
/// </summary>
public sealed record CameraLink(string From, string To, TimeSpan MinTransit, TimeSpan MaxTransit)
{
    /// <summary>Links also apply in the other direction unless false.</summary>
    public bool BothWays { get; init; } = true;
}
