using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Inference.Processing;
using UniHCP.Pipeline.Training.Evaluation;

namespace UniHCP.Pipeline.Training.Data;

/// <summary>
/// Human-annotated person keypoints from a COCO-format keypoint file with its images: each non-crowd person with at
/// least one labelled joint, its box and its annotated area (the OKS scale; the box's area where the file gives none).
/// A file whose person category starts with COCO's 17 joints in COCO's order (COCO val2017, OCHuman, Human-Art, ...)
/// is read as is; any other layout (CrowdPose, AI Challenger, MPII-style, PoseTrack, JHMDB, ...) is read by joint
/// name - "Left Shoulder", "left-shoulder" and "left_shoulder" are one joint - and COCO joints the file does not name
/// stay unlabelled, so that scoring covers the joints both share, as COCO's OKS skips unlabelled joints.
/// </summary>
public static class CocoPoseReader
{
    /// <param name="imageFolder">Where the images are: each is looked up by its file_name under this folder, then by
    /// the file_name's trailing parts (re-rooted copies such as "HumanArt/images/x/y.jpg" kept as "x/y.jpg").</param>
    /// <param name="alsoParentFolder">Also look one folder up (COCO's own layout keeps annotations/ beside the image
    /// folders); for the default folder, not for one a user named.</param>
    public static List<PoseSample> Read(string cocoPath, string imageFolder, bool alsoParentFolder = false)
    {
        var coco = CocoFile.Read(cocoPath);
        int fileJoints = coco.KeypointNames.Count;
        var columns = JointColumns(coco.KeypointNames, cocoPath);
        int needed = columns.Max() + 1;
        if (!Directory.Exists(imageFolder))
            throw new DirectoryNotFoundException($"Image folder '{imageFolder}' does not exist.");
        var byImage = coco.ByImage;
        var personCategories = coco.PersonCategories;
        var samples = new List<PoseSample>();
        foreach (var image in coco.Images)
        {
            var persons = new List<(BoundingBox, PoseTruth)>();
            foreach (var a in byImage[image.Id].Where(a => a.Iscrowd == 0 && a.Keypoints is not null && (personCategories.Count == 0 || personCategories.Contains(a.CategoryId))))
            {
                if (a.Keypoints!.Length / 3 is var count && (count < needed || count > fileJoints))
                    throw new DatasetFormatException(cocoPath, null, $"annotation {a.Id} has {count} joints; expected {needed} to {fileJoints} (the category names {fileJoints}).");
                var visibility = columns.Select(c => c < 0 ? 0 : (int)a.Keypoints[(3 * c) + 2]).ToList();
                if (visibility.All(v => v <= 0))
                    continue; // COCO's evaluation ignores persons without a labelled joint
                if (a.Bbox is null)
                    throw new DatasetFormatException(cocoPath, null, $"annotation {a.Id} has keypoints but no bbox (the crop is made around it).");
                var joints = columns.Select(c => c < 0 ? (0f, 0f) : ((float)a.Keypoints[3 * c], (float)a.Keypoints[(3 * c) + 1])).ToList();
                var box = new BoundingBox((float)a.Bbox[0], (float)a.Bbox[1], (float)(a.Bbox[0] + a.Bbox[2]), (float)(a.Bbox[1] + a.Bbox[3]));
                double area = a.Area is > 0 ? a.Area.Value : a.Bbox[2] * a.Bbox[3];
                if (!(area > 0))
                    throw new DatasetFormatException(cocoPath, null, $"annotation {a.Id} has neither an area nor a non-empty box.");
                persons.Add((box, new PoseTruth(joints, visibility, area)));
            }
            if (persons.Count == 0)
                continue;
            string? parent = alsoParentFolder ? Path.GetDirectoryName(Path.GetFullPath(imageFolder)) : null;
            string file = CocoFile.LocateImage(imageFolder, image.FileName)
                ?? (parent is null ? null : CocoFile.LocateImage(parent, image.FileName))
                ?? throw new DatasetFormatException(cocoPath, null, $"image {image.Id} '{image.FileName}' is not under '{imageFolder}'{(parent is null ? "" : $" or '{parent}'")}.");
            RgbImage pixels;
            try
            {
                pixels = ImageCodec.Decode(file);
            }
            catch (InvalidDataException ex)
            {
                throw new DatasetFormatException(cocoPath, null, $"image {image.Id}: {ex.Message}", ex);
            }
            samples.Add(new PoseSample(image.FileName, pixels, persons));
        }
        return samples;
    }

    /// <summary>For each of COCO's 17 joints, its column in a file naming <paramref name="names"/>, or -1 where the
    /// file has no such joint.</summary>
    public static int[] JointColumns(IReadOnlyList<string> names, string cocoPath)
    {
        ArgumentNullException.ThrowIfNull(names);
        var coco = LabelSets.CocoJoints;
        if (names.Count == 0)
            throw new DatasetFormatException(cocoPath, null, "no category names keypoints; a COCO keypoint file is needed.");
        // Extensions that append joints after COCO's 17 (Human-Art's 21, COCO-WholeBody) are read for the 17.
        if (names.Count >= coco.Count && names.Take(coco.Count).SequenceEqual(coco, StringComparer.OrdinalIgnoreCase))
            return [.. Enumerable.Range(0, coco.Count)];
        var byName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < names.Count; i++)
            byName.TryAdd(Normalise(names[i]), i);
        int[] columns = [.. coco.Select(j => byName.TryGetValue(j, out int c) ? c : -1)];
        if (columns.All(c => c < 0))
        {
            throw new DatasetFormatException(cocoPath, null,
                $"none of the {names.Count} keypoint names ({string.Join(", ", names.Take(5))}, ...) is one of COCO's 17 joints (e.g. left_shoulder).");
        }
        return columns;
    }

    /// <summary>COCO's joints no person of <paramref name="samples"/> has labelled (a file of another layout names
    /// fewer): keypoint AP on them scores the others only.</summary>
    public static IReadOnlyList<string> UnlabelledJoints(IReadOnlyList<PoseSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var persons = samples.SelectMany(s => s.Persons).ToList();
        return [.. LabelSets.CocoJoints.Where((_, j) => !persons.Any(p => p.Truth.Visibility[j] > 0))];
    }

    private static string Normalise(string name) => name.Trim().ToLowerInvariant().Replace(' ', '_').Replace('-', '_');
}
