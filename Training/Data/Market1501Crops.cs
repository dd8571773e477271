using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Processing;

namespace UniHCP.Pipeline.Training.Data;

/// <summary>A camera-tagged person crop for the Market-1501 protocol (same identity under the same camera is not a match).</summary>
public sealed record CameraCrop(IdentityCrop Crop, int Camera);

/// <summary>
/// A Market-1501-layout dataset (the benchmark itself, DukeMTMC-reID, or a site's own crops named the same way):
/// bounding_box_train/ to train on, query/ and bounding_box_test/ to score with the benchmark's protocol. The images
/// are person crops already; each becomes an <see cref="IdentityCrop"/> whose box is the image shrunk by the engine's
/// 1.25 crop padding, so the crop the engine would cut around that box is exactly the image.
/// </summary>
public static class Market1501Crops
{
    public static bool IsDataset(string root) => Directory.Exists(Path.Combine(root, "bounding_box_train")) || Directory.Exists(Path.Combine(root, "query"));

    /// <summary>bounding_box_train/: identities (junk -1 and distractors 0 left out) numbered 0..N-1 in name order;
    /// each identity's crops get frames 0, 1, 2 ... (their order, for the held-out identities' query/gallery halves).</summary>
    public static List<IdentityCrop> ReadTraining(string root)
    {
        var images = Market1501Reader.Read(Path.Combine(root, "bounding_box_train")).Where(i => i.Identity > 0).ToList();
        var numbers = images.Select(i => i.Identity).Distinct().Order().Select((id, n) => (id, n)).ToDictionary(p => p.id, p => p.n);
        return [.. images.GroupBy(i => i.Identity).SelectMany(g => g.Select((image, k) => Crop(image, numbers[image.Identity], k)))];
    }

    /// <summary>query/ and bounding_box_test/ with their own identities (-1 junk, 0 distractors) and cameras.</summary>
    public static (List<CameraCrop> Queries, List<CameraCrop> Gallery) ReadTest(string root)
    {
        var queries = Market1501Reader.Read(Path.Combine(root, "query")).Select(i => new CameraCrop(Crop(i, i.Identity, 0), i.Camera)).ToList();
        var gallery = Market1501Reader.Read(Path.Combine(root, "bounding_box_test")).Select(i => new CameraCrop(Crop(i, i.Identity, 0), i.Camera)).ToList();
        return (queries, gallery);
    }

    private static IdentityCrop Crop(ReIdImage image, int identity, long frame)
    {
        RgbImage pixels;
        try
        {
            pixels = ImageCodec.Decode(image.Path);
        }
        catch (InvalidDataException ex)
        {
            throw new DatasetFormatException(image.Path, null, ex.Message, ex);
        }
        float w = pixels.Width / 1.25f, h = pixels.Height / 1.25f;
        float x = (pixels.Width - w) / 2, y = (pixels.Height - h) / 2;
        return new IdentityCrop(frame, pixels, new BoundingBox(x, y, x + w, y + h), identity);
    }
}
