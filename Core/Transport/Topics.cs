using UniHCP.Pipeline.Core.Events;

namespace UniHCP.Pipeline.Core.Transport;

/// <summary>The pipeline's topics under their default names (configurable where a transport is built).</summary>
public static class Topics
{
    public static Topic<VideoFrame> Frames { get; } = new("unihcp.frames");

    public static Topic<PersonObservations> Persons { get; } = new("unihcp.persons");

    public static Topic<TrackUpdate> Tracks { get; } = new("unihcp.tracks");

    public static Topic<IdentityEvent> Identities { get; } = new("unihcp.identities");

    public static Topic<ZoneEvent> Events { get; } = new("unihcp.events");
}
