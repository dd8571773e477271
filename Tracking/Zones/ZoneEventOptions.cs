using UniHCP.Pipeline.Core.Geometry;

namespace UniHCP.Pipeline.Tracking.Zones;

/// <summary>The events stage (configuration section "Events"): each camera's zones and lines, and how jitter is ignored.</summary>
public sealed class ZoneEventOptions
{
    public const string SectionName = "Events";

    /// <summary>Geometry by camera id, recorded in the store when the stage starts if it changed since the last start
    /// (the API can edit it, and edit cameras not named here).</summary>
    public Dictionary<string, CameraGeometry> Cameras { get; set; } = new(StringComparer.Ordinal);

    /// <summary>A track is in (or out of) a zone, or on a line's other side, only after this many matched frames in a
    /// row there: a foot point jittering on a zone's edge does not enter and leave on every frame, and a person swaying
    /// across a line they walk along does not cross it on every step. The event carries the first of them.</summary>
    public int ConfirmFrames { get; set; } = 3;

    /// <summary>Whether a track first seen inside a zone counts as entering it (and exiting later). Default false: it
    /// did not cross the edge (someone already there, or a track that took over from a lost one mid-zone); it is in
    /// the occupancy and gives dwell either way.</summary>
    public bool CountStartsInside { get; set; }

    /// <summary>Within this many pixels of a line a foot point is on neither side: a person standing on the line, whose
    /// box jitters across it, is counted once when they leave it on the far side, or not at all if they turn back.</summary>
    public double LineHysteresis { get; set; } = 6;

    /// <summary>How often (video time, per camera) the stage writes its state with the events and lets its input move
    /// on; a restart replays at most this much, and replays produce the same events, which are stored once.</summary>
    public TimeSpan CheckpointEvery { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the stage reads the store's geometry again, to pick up edits made through the API.</summary>
    public TimeSpan GeometryRefresh { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Receivers of every stored event (at least once, in order, signed; see the README).</summary>
    public List<WebhookOptions> Webhooks { get; set; } = [];

    public void Validate()
    {
        for (int i = 0; i < Webhooks.Count; i++)
            Webhooks[i].Validate(i);
        if (Webhooks.Select(w => w.Url).Distinct(StringComparer.Ordinal).Count() != Webhooks.Count)
            throw new ArgumentException("Events:Webhooks: a URL is given twice; each webhook keeps its place by URL.");
        if (ConfirmFrames is < 1 or > 1000)
            throw new ArgumentException($"Events:ConfirmFrames must be 1-1000; it is {ConfirmFrames}.");
        if (!double.IsFinite(LineHysteresis) || LineHysteresis < 0)
            throw new ArgumentException($"Events:LineHysteresis must be a finite number of pixels >= 0; it is {LineHysteresis}.");
        if (GeometryRefresh <= TimeSpan.Zero)
            throw new ArgumentException($"Events:GeometryRefresh must be positive; it is {GeometryRefresh}.");
        if (CheckpointEvery <= TimeSpan.Zero)
            throw new ArgumentException($"Events:CheckpointEvery must be positive; it is {CheckpointEvery}.");
        var problems = Cameras.SelectMany(c => c.Value.Problems(c.Key)).ToList();
        if (problems.Count > 0)
            throw new ArgumentException("Events:Cameras: " + string.Join(" ", problems));
    }
}
