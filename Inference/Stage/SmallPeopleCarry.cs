using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Engine;

namespace UniHCP.Pipeline.Inference.Stage;

/// <summary>
/// Holds the small people a camera's last frame read with tiles found (those under the height a tile keeps: the ones the
/// tiles are there for) and adds them to the frames read whole after it (<see cref="TileSchedule"/>), where the whole
/// frame alone misses most of them; one the whole frame found again (overlap of <see cref="DetectionTiles.MergeIoU"/>
/// or more) is not added twice. A far person moves a few pixels between frames, so the held box still covers them.
/// Replayed through the tracker over four 720p-1080p scenes (docs/default-model.md, "Tiles on every third frame"):
/// towncentre 0.486 -> 0.526, the escalator 0.527 -> 0.552, the crowded hall 0.488 -> 0.535 AP50, against 0.529,
/// 0.569 and 0.541 with tiles on every frame. Called in the order a camera's frames were read (the planning turns).
/// </summary>
public sealed class SmallPeopleCarry
{
    private readonly Dictionary<string, List<Detection>> _held = new(StringComparer.Ordinal);

    /// <summary>The detections of <paramref name="frame"/> as published: a frame read with tiles (some of
    /// <paramref name="tilesRead"/>) is remembered; one read whole gets the people held since; a camera read whole
    /// anyway (null) is left alone.</summary>
    /// <param name="smallBelowHeight">The height under which a person is a tile's to find (<see cref="PerceptionOptions.UnsearchedBelowHeight"/>).</param>
    public IReadOnlyList<Detection> Amend(VideoFrame frame, IReadOnlyList<Detection> detections, bool[]? tilesRead, float smallBelowHeight)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(detections);
        if (tilesRead is null || smallBelowHeight <= 0)
            return detections;
        if (tilesRead.Any(read => read))
        {
            _held[frame.CameraId] = [.. detections.Where(d => d.Box.Height <= smallBelowHeight)];
            return detections;
        }
        if (!_held.TryGetValue(frame.CameraId, out var held) || held.Count == 0)
            return detections;
        var added = held.Where(h => !detections.Any(d => d.Box.IoU(h.Box) >= DetectionTiles.MergeIoU)).ToList();
        return added.Count == 0 ? detections : [.. detections, .. added];
    }

    /// <summary>Drops a camera's held people (its stream ended).</summary>
    public void Forget(string cameraId) => _held.Remove(cameraId);
}
