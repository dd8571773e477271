using System.Globalization;
using System.Text.RegularExpressions;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Processing;

namespace UniHCP.Pipeline.Training.Data;

/// <summary>
/// The Penn-Fudan pedestrian database: PNGImages/*.png, Annotation/*.txt (PASCAL v1.00 text with
/// 1-based inclusive "(Xmin, Ymin) - (Xmax, Ymax)" boxes) and PedMasks/*_mask.png (0 background,
/// k person k).
/// </summary>
public static partial class PennFudanReader
{
    /// <param name="root">The folder holding Annotation/ and PNGImages/ (PennFudanPed).</param>
    public static List<DetectionSample> Read(string root)
    {
        string annotations = Path.Combine(root, "Annotation");
        if (!Directory.Exists(annotations))
            throw new DirectoryNotFoundException($"Penn-Fudan: '{annotations}' does not exist (expected the PennFudanPed folder).");
        var samples = new List<DetectionSample>();
        foreach (string file in Directory.GetFiles(annotations, "*.txt").Order(StringComparer.Ordinal))
            samples.Add(ReadOne(root, file));
        if (samples.Count == 0)
            throw new DatasetFormatException(annotations, null, "no annotation files (*.txt).");
        return samples;
    }

    public static DetectionSample ReadOne(string root, string annotationFile)
    {
        string? imageName = null;
        int? width = null, height = null;
        var boxes = new List<BoundingBox>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(annotationFile))
        {
            lineNumber++;
            if (line.StartsWith("Image filename", StringComparison.Ordinal))
            {
                var m = QuotedPattern().Match(line);
                imageName = m.Success ? m.Groups[1].Value : throw new DatasetFormatException(annotationFile, lineNumber, "image filename is not quoted.");
            }
            else if (line.StartsWith("Image size", StringComparison.Ordinal))
            {
                var m = SizePattern().Match(line);
                if (!m.Success)
                    throw new DatasetFormatException(annotationFile, lineNumber, "image size is not 'W x H x C'.");
                (width, height) = (Int(m.Groups[1].Value), Int(m.Groups[2].Value));
            }
            else if (line.StartsWith("Bounding box", StringComparison.Ordinal))
            {
                var m = BoxPattern().Match(line);
                if (!m.Success)
                    throw new DatasetFormatException(annotationFile, lineNumber, "bounding box is not '(Xmin, Ymin) - (Xmax, Ymax)'.");
                int x1 = Int(m.Groups[1].Value), y1 = Int(m.Groups[2].Value), x2 = Int(m.Groups[3].Value), y2 = Int(m.Groups[4].Value);
                if (x2 < x1 || y2 < y1 || x1 < 1 || y1 < 1)
                    throw new DatasetFormatException(annotationFile, lineNumber, $"box ({x1}, {y1}) - ({x2}, {y2}) is empty or outside the image.");
                // 1-based inclusive pixels to 0-based [x1, x2) coordinates.
                boxes.Add(new BoundingBox(x1 - 1, y1 - 1, x2, y2));
            }
        }
        if (imageName is null || width is null || height is null)
            throw new DatasetFormatException(annotationFile, null, "missing 'Image filename' or 'Image size'.");
        // Names are relative to the dataset's parent ("PennFudanPed/PNGImages/...").
        string imagePath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(root))!, imageName.Replace('/', Path.DirectorySeparatorChar));
        var image = ImageCodec.Decode(imagePath);
        if (image.Width != width || image.Height != height)
            throw new DatasetFormatException(annotationFile, null, $"says {width}x{height} but '{imagePath}' is {image.Width}x{image.Height}.");
        foreach (var box in boxes)
        {
            if (box.X2 > image.Width || box.Y2 > image.Height)
                throw new DatasetFormatException(annotationFile, null, $"box {box} extends past the {image.Width}x{image.Height} image.");
        }
        return new DetectionSample(Path.GetFileNameWithoutExtension(annotationFile), image, boxes, []) { Dataset = "pennfudan" };
    }

    private static int Int(string s) => int.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture);

    [GeneratedRegex("\"([^\"]+)\"")]
    private static partial Regex QuotedPattern();

    [GeneratedRegex(@":\s*(\d+)\s*x\s*(\d+)\s*x\s*\d+")]
    private static partial Regex SizePattern();

    [GeneratedRegex(@"\((\d+),\s*(\d+)\)\s*-\s*\((\d+),\s*(\d+)\)")]
    private static partial Regex BoxPattern();
}
