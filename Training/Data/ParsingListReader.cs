using UniHCP.Pipeline.Inference.Processing;

namespace UniHCP.Pipeline.Training.Data;

/// <summary>An image and its per-pixel class labels (row-major; 255 = not labelled).</summary>
public sealed record ParsingSample(string Name, RgbImage Image, byte[] Labels);

/// <summary>
/// LIP / CIHP parsing data: a list file whose lines name an image and its label PNG ("/images/x.jpg /labels/x.png",
/// relative to the dataset folder), the label image's grey value being the class (0 background .. classes - 1; 255
/// unlabelled). Errors name the list file and line, or the image.
/// </summary>
public static class ParsingListReader
{
    public static List<ParsingSample> Read(string root, string listFile, int classes = 20)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        string list = Path.Combine(root, listFile);
        if (!File.Exists(list))
            throw new FileNotFoundException($"Parsing list '{list}' does not exist.", list);
        var samples = new List<ParsingSample>();
        int lineNumber = 0;
        foreach (string raw in File.ReadLines(list))
        {
            lineNumber++;
            string line = raw.Trim();
            if (line.Length == 0)
                continue;
            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2)
                throw new DatasetFormatException(list, lineNumber, $"expected an image path and a label path, found {parts.Length} field(s).");
            string imagePath = Path.Combine(root, parts[0].TrimStart('/'));
            string labelPath = Path.Combine(root, parts[1].TrimStart('/'));
            foreach (string file in new[] { imagePath, labelPath })
            {
                if (!File.Exists(file))
                    throw new DatasetFormatException(list, lineNumber, $"'{file}' does not exist.");
            }
            RgbImage image, label;
            try
            {
                image = ImageCodec.Decode(imagePath);
                label = ImageCodec.Decode(labelPath);
            }
            catch (InvalidDataException ex)
            {
                throw new DatasetFormatException(list, lineNumber, ex.Message, ex);
            }
            if (image.Width != label.Width || image.Height != label.Height)
                throw new DatasetFormatException(list, lineNumber, $"the image is {image.Width}x{image.Height} but its labels are {label.Width}x{label.Height}.");
            var labels = new byte[label.Width * label.Height];
            for (int i = 0; i < labels.Length; i++)
            {
                byte value = label.Pixels[3 * i];
                if (value >= classes && value != 255)
                    throw new DatasetFormatException(list, lineNumber, $"'{labelPath}' has class {value} at pixel ({i % label.Width}, {i / label.Width}); classes are 0-{classes - 1} (255: unlabelled).");
                labels[i] = value;
            }
            samples.Add(new ParsingSample(Path.GetFileNameWithoutExtension(imagePath), image, labels));
        }
        return samples;
    }

    /// <summary>The LIP/CIHP folder a command's --data names: the folder itself when it holds list/train.txt, else the
    /// shared datasets' parsing-cihp under it.</summary>
    public static string DatasetFolder(string data) =>
        File.Exists(Path.Combine(data, "list", "train.txt")) ? data : Path.Combine(data, "parsing-cihp");

    /// <summary>
    /// A dataset folder's training and held-out images: list/train.txt, and list/val.txt when it names other images
    /// than train.txt; otherwise (a sample whose lists repeat the same images, like ../shared/data's CIHP excerpt)
    /// every fifth training image (at least one) is held out instead, so that no held-out number is measured on training images.
    /// </summary>
    public static (List<ParsingSample> Train, List<ParsingSample> Validation, string Split) ReadSplits(string root, int classes = 20)
    {
        if (!Directory.Exists(root))
            throw new DirectoryNotFoundException($"Parsing dataset folder '{root}' does not exist (expected list/train.txt, images/ and labels/ in it).");
        var train = Read(root, Path.Combine("list", "train.txt"), classes);
        string valList = Path.Combine(root, "list", "val.txt");
        string why = "there is no list/val.txt";
        if (File.Exists(valList))
        {
            var validation = Read(root, Path.Combine("list", "val.txt"), classes);
            var trainNames = train.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
            if (validation.Count > 0 && !validation.Any(s => trainNames.Contains(s.Name)))
                return (train, validation, "list/train.txt and list/val.txt");
            why = "list/val.txt repeats training images";
        }
        if (train.Count < 2)
            throw new ArgumentException($"'{root}' has {train.Count} training image(s) and no separate list/val.txt; at least two are needed (one is held out).");
        var (kept, heldOut) = HeldOut.EveryFifth(train);
        return (kept, heldOut, $"list/train.txt, every fifth image held out: {why}");
    }
}
