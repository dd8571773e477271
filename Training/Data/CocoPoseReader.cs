using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Inference.Processing;
using UniHCP.Pipeline.Training.Evaluation;

namespace UniHCP.Pipeline.Training.Data;

/// <summary>
/// Human-annotated person keypoints from a COCO keypoint file (COCO val2017, OCHuman, Human-Art ... - any file whose
/// person category names COCO's 17 joints in COCO's order, possibly followed by more, which are left out) with its images: each non-crowd person with at least one
/// labelled joint, its box and its annotated area (the OKS scale; the box's area where the file gives none).
/// </summary>
public static class CocoPoseReader
{
    /// <param name="imageFolder">Where the images are: each is looked up by its file_name under this folder, then by
    /// the file_name's trailing parts (re-rooted copies such as "HumanArt/images/x/y.jpg" kept as "x/y.jpg").</param>
    public static List<PoseSample> Read(string cocoPath, string imageFolder)
    {
        var coco = CocoFile.Read(cocoPath);
        int fileJoints = coco.KeypointNames.Count;
        // Extensions that append joints after COCO's 17 (Human-Art's 21, COCO-WholeBody) are read for the 17.
        if (fileJoints < LabelSets.CocoJoints.Count || !coco.KeypointNames.Take(LabelSets.CocoJoints.Count).SequenceEqual(LabelSets.CocoJoints, StringComparer.OrdinalIgnoreCase))
        {
            throw new DatasetFormatException(cocoPath, null, coco.KeypointNames.Count == 0
                ? "no category names keypoints; a COCO keypoint file is needed."
                : $"the keypoints do not start with COCO's 17 in COCO order (the file has {coco.KeypointNames.Count}: {string.Join(", ", coco.KeypointNames.Take(5))}, ...).");
        }
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
                if (a.Keypoints!.Length / 3 is var count && (count < LabelSets.CocoJoints.Count || count > fileJoints))
                    throw new DatasetFormatException(cocoPath, null, $"annotation {a.Id} has {count} joints; expected COCO's {LabelSets.CocoJoints.Count} (up to the {fileJoints} the category names).");
                var visibility = Enumerable.Range(0, LabelSets.CocoJoints.Count).Select(j => (int)a.Keypoints[(3 * j) + 2]).ToList();
                if (visibility.All(v => v <= 0))
                    continue; // COCO's evaluation ignores persons without a labelled joint
                var joints = Enumerable.Range(0, LabelSets.CocoJoints.Count).Select(j => ((float)a.Keypoints[3 * j], (float)a.Keypoints[(3 * j) + 1])).ToList();
                var box = new BoundingBox((float)a.Bbox![0], (float)a.Bbox[1], (float)(a.Bbox[0] + a.Bbox[2]), (float)(a.Bbox[1] + a.Bbox[3]));
                double area = a.Area is > 0 ? a.Area.Value : a.Bbox[2] * a.Bbox[3];
                if (!(area > 0))
                    throw new DatasetFormatException(cocoPath, null, $"annotation {a.Id} has neither an area nor a non-empty box.");
                persons.Add((box, new PoseTruth(joints, visibility, area)));
            }
            if (persons.Count == 0)
                continue;
            string file = CocoFile.LocateImage(imageFolder, image.FileName)
                ?? throw new DatasetFormatException(cocoPath, null, $"image {image.Id} '{image.FileName}' is not under '{imageFolder}'.");
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
}
