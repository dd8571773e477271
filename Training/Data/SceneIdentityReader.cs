using System.Globalization;
using UniHCP.Pipeline.Ingest;

namespace UniHCP.Pipeline.Training.Data;

/// <summary>
/// Pseudo identities for ReID from scenes labelled by `unihcp label`: in every scene the teacher's confident boxes are
/// linked into tracklets by our tracker (<see cref="TrackletIdentities"/>, timed by the video's own frame rate), each
/// tracklet one identity, and each scene gets its own identity numbers (no person is assumed to appear in two
/// scenes): training identities run 0..N-1 over the scenes in name order, held-out ones likewise on their own. Scenes not held out train with all their frames (a held-out camera, not a time split, is what ReID is
/// judged on). A held-out scene's tracklets validate: the first half of each tracklet's views is the query side
/// (frame 0), the second half the gallery side (frame 1), so <c>ReIdTrainingTask</c> runs with split frame 1.
/// </summary>
public static class SceneIdentityReader
{
    /// <summary>The frame that divides the renumbered validation views into query (before) and gallery (from) sides.</summary>
    public const long ValidationSplitFrame = 1;

    public static async Task<(List<IdentityCrop> Train, List<IdentityCrop> Validation)> ReadFolderAsync(
        string folder, string? videosFolder, IReadOnlySet<string> heldOutScenes, TextWriter log, int minLength = 6, CancellationToken cancellationToken = default)
    {
        if (heldOutScenes.Count == 0)
            throw new ArgumentException("ReID on scenes validates on scenes held out whole: name at least one with --held-out-scenes.");
        var train = new List<IdentityCrop>();
        var validation = new List<IdentityCrop>();
        // Training identities are numbered 0..N-1 across scenes (the classifier's classes), held-out ones on their own.
        int nextTrain = 0, nextValidation = 0;
        foreach (string file in SceneLabelReader.LabelFiles(folder, heldOutScenes))
        {
            string scene = Path.GetFileNameWithoutExtension(file);
            bool heldOut = heldOutScenes.Contains(scene);
            var (video, _) = SceneLabelReader.Provenance(file, videosFolder);
            double rate = await VideoFrames.FrameRateAsync(video, cancellationToken).ConfigureAwait(false) ?? 25;
            var crops = await TrackletIdentities.ReadAsync(file, video, _ => true, minLength, rate, cancellationToken).ConfigureAwait(false);
            int identities = crops.Count == 0 ? 0 : crops.Max(c => c.Identity) + 1;
            int first = heldOut ? nextValidation : nextTrain;
            var renumbered = crops.Select(c => c with { Identity = c.Identity + first }).ToList();
            if (heldOut)
                nextValidation += identities;
            else
                nextTrain += identities;
            if (heldOut)
                validation.AddRange(renumbered.GroupBy(c => c.Identity).SelectMany(SplitInTime));
            else
                train.AddRange(renumbered);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"scene {scene}{(heldOut ? " (held out whole)" : string.Empty)}: {identities} tracklet identities, {crops.Count} boxes"));
        }
        return (train, validation);
    }

    // One tracklet's views in time order: the first half becomes the query side, the rest the gallery side.
    private static IEnumerable<IdentityCrop> SplitInTime(IEnumerable<IdentityCrop> tracklet)
    {
        var views = tracklet.OrderBy(c => c.Frame).ToList();
        return views.Select((c, i) => c with { Frame = i < views.Count / 2 ? 0 : ValidationSplitFrame });
    }
}
