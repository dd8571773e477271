using System.Globalization;
using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Processing;
using UniHCP.Pipeline.Tracking.Mot;

namespace UniHCP.Pipeline.Training.Data;

/// <summary>
/// ReID crops from a MOTChallenge training sequence: every ground-truth pedestrian box (gt.txt rows marked to be
/// considered, class pedestrian, visible at least <c>minVisibility</c>) of every <c>frameStep</c>-th frame, cut out of
/// the sequence's images (img1/000001.jpg, ...) with the margin the engine's ReID crop takes, labelled with the track's
/// identity. Consecutive frames are near-duplicates, hence the frame step.
/// </summary>
public static class MotIdentityCrops
{
    /// <summary>Extra context kept around each box: the engine's crop enlarges boxes 1.25x (and pads to 1:2), so a
    /// little more than that is cut out and the crop can be made from the stored image alone.</summary>
    private const float Margin = 0.8f;

    public static List<IdentityCrop> Read(string sequenceDirectory, double minVisibility = 0.3, int frameStep = 5, int minViews = 4, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(frameStep, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(minViews, 1);
        var sequence = MotSequence.Open(sequenceDirectory);
        if (!File.Exists(sequence.GroundTruthPath))
            throw new FileNotFoundException($"'{sequenceDirectory}' has no gt/gt.txt: ReID crops need a training sequence's identities.", sequence.GroundTruthPath);
        var (imageFolder, extension) = ImageNaming(sequenceDirectory);
        var rows = MotFile.Read(sequence.GroundTruthPath)
            .Where(r => r.Confidence != 0 && r.Class is 1 or -1 && (r.Visibility < 0 || r.Visibility >= minVisibility) && (r.Frame - 1) % frameStep == 0)
            .Where(r => r.Width >= 8 && r.Height >= 16)
            .ToList();
        var keep = rows.GroupBy(r => r.Id).Where(g => g.Count() >= minViews).Select(g => g.Key).Order().ToList();
        var identity = keep.Select((id, index) => (id, index)).ToDictionary(p => p.id, p => p.index);
        var crops = new List<IdentityCrop>();
        foreach (var frame in rows.Where(r => identity.ContainsKey(r.Id)).GroupBy(r => r.Frame).OrderBy(g => g.Key))
        {
            cancellationToken.ThrowIfCancellationRequested();
            string path = Path.Combine(imageFolder, frame.Key.ToString("D6", CultureInfo.InvariantCulture) + extension);
            if (!File.Exists(path))
                throw new DatasetFormatException(sequence.GroundTruthPath, null, $"frame {frame.Key} has boxes but its image '{path}' does not exist.");
            var image = ImageCodec.Decode(path);
            foreach (var row in frame)
            {
                var box = row.Box;
                var region = new BoundingBox(box.X1 - (Margin * box.Width), box.Y1 - (Margin * box.Height / 2), box.X2 + (Margin * box.Width), box.Y2 + (Margin * box.Height / 2));
                if (region.X2 <= 0 || region.Y2 <= 0 || region.X1 >= image.Width || region.Y1 >= image.Height)
                    continue; // wholly outside the image (MOT boxes may extend past the border)
                var cut = image.Cut(region);
                float left = Math.Clamp((int)region.X1, 0, image.Width - 1), top = Math.Clamp((int)region.Y1, 0, image.Height - 1);
                crops.Add(new IdentityCrop(frame.Key, cut, new BoundingBox(box.X1 - left, box.Y1 - top, box.X2 - left, box.Y2 - top), identity[row.Id]));
            }
        }
        return crops;
    }

    // seqinfo.ini names the image folder and extension (img1, .jpg in every MOTChallenge release).
    private static (string Folder, string Extension) ImageNaming(string sequenceDirectory)
    {
        string folder = "img1", extension = ".jpg";
        foreach (string line in File.ReadLines(Path.Combine(sequenceDirectory, "seqinfo.ini")))
        {
            var parts = line.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length == 2 && parts[0].Equals("imDir", StringComparison.OrdinalIgnoreCase) && parts[1].Length > 0)
                folder = parts[1];
            else if (parts.Length == 2 && parts[0].Equals("imExt", StringComparison.OrdinalIgnoreCase) && parts[1].Length > 0)
                extension = parts[1];
        }
        return (Path.Combine(sequenceDirectory, folder), extension);
    }
}
