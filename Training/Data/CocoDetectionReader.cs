using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Processing;

namespace UniHCP.Pipeline.Training.Data;

/// <summary>
/// Person boxes from a COCO detection file (a site's own export from CVAT or Label Studio, COCO, CrowdHuman converted
/// ...): the person category's boxes per image, crowd boxes (iscrowd 1) as ignore regions; images without any person
/// are kept as negatives (they teach the detector what is not a person).
/// </summary>
public static class CocoDetectionReader
{
    /// <param name="imageFolder">Where the images are (see <see cref="CocoFile.LocateImage"/>).</param>
    public static List<DetectionSample> Read(string cocoPath, string imageFolder, string dataset)
    {
        var coco = CocoFile.Read(cocoPath);
        if (!Directory.Exists(imageFolder))
            throw new DirectoryNotFoundException($"Image folder '{imageFolder}' does not exist.");
        var persons = coco.PersonCategories;
        if (persons.Count == 0 && coco.Categories.Count > 1)
            throw new DatasetFormatException(cocoPath, null, $"no category is named \"person\" (categories: {string.Join(", ", coco.Categories.Values.Take(8))}).");
        var byImage = coco.ByImage;
        var samples = new List<DetectionSample>(coco.Images.Count);
        foreach (var image in coco.Images)
        {
            var boxes = new List<BoundingBox>();
            var ignore = new List<BoundingBox>();
            foreach (var a in byImage[image.Id].Where(a => persons.Count == 0 || persons.Contains(a.CategoryId)))
            {
                var box = new BoundingBox((float)a.Bbox![0], (float)a.Bbox[1], (float)(a.Bbox[0] + a.Bbox[2]), (float)(a.Bbox[1] + a.Bbox[3]));
                if (box.Width < 1 || box.Height < 1)
                    continue; // degenerate boxes teach nothing; COCO has a few
                (a.Iscrowd == 0 ? boxes : ignore).Add(box);
            }
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
            if (pixels.Width != image.Width || pixels.Height != image.Height)
                throw new DatasetFormatException(cocoPath, null, $"image {image.Id} '{image.FileName}' is {pixels.Width}x{pixels.Height}, the file says {image.Width}x{image.Height}.");
            samples.Add(new DetectionSample(image.FileName, pixels, boxes, ignore) { Dataset = dataset });
        }
        return samples;
    }
}
