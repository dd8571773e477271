using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Inference.Processing;
using UniHCP.Pipeline.Training.Data;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Training.Detection;

/// <summary>
/// Turns samples into a training batch: each image augmented (flip, multi-scale resize),
/// normalised and padded by the model's own rules, then all padded to one size with zeros in
/// normalised units (as the encoder pads a single image); targets normalised by each image's
/// resized, unpadded size, as the release trains.
/// </summary>
public static class DetectionBatcher
{
    public static (Tensor Images, List<DetectionTarget> Targets) Make(UniHcpModel model, IReadOnlyList<DetectionSample> samples, DetectionAugment augment, Random random, Device device)
    {
        var normalized = new List<Tensor>();
        var targets = new List<DetectionTarget>();
        foreach (var sample in samples)
        {
            bool flip = random.NextDouble() < augment.FlipProbability;
            int shortSide = augment.ShortSides[random.Next(augment.ShortSides.Count)];
            var (image, target) = Prepare(model, sample, new DetectionResize(shortSide, augment.MaxLongSide), flip, augment, random, device);
            normalized.Add(image);
            targets.Add(target);
        }
        // One canvas for the batch, padded to the encoder's multiple so that the token grid is exactly the canvas.
        // The model predicts boxes as fractions of the canvas it sees, so the targets are re-expressed that way:
        // fractions of an image's own (unpadded) size would teach a different scale to each image of the batch.
        long multiple = model.PadMultiple;
        long h = RoundUp(normalized.Max(t => t.shape[2]), multiple), w = RoundUp(normalized.Max(t => t.shape[3]), multiple);
        var padded = normalized.Select(t => nn.functional.pad(t, [0, w - t.shape[3], 0, h - t.shape[2]])).ToList();
        var onCanvas = targets.Select((t, i) => OnCanvas(t, (float)normalized[i].shape[3] / w, (float)normalized[i].shape[2] / h, device)).ToList();
        return (cat(padded, 0), onCanvas);
    }

    /// <summary>One sample resized (optionally mirrored and cropped), normalised and padded; with its targets.</summary>
    public static (Tensor Normalized, DetectionTarget Target) Prepare(UniHcpModel model, DetectionSample sample, DetectionResize resize, bool flip, DetectionAugment augment, Random? random, Device device)
    {
        float minBoxSide = augment.MinBoxSide;
        var frame = new VideoFrame("train", 0, DateTimeOffset.UnixEpoch, TimeSpan.Zero, sample.Image.Width, sample.Image.Height, PixelFormat.Rgb24, sample.Image.Pixels);
        var image = ImageTensors.FromFrame(frame, device);
        if (flip)
            image = image.flip(3);
        var (width, height) = resize.SizeFor(sample.Image.Width, sample.Image.Height);
        var resized = ImageTensors.Resize(image, width, height);
        float sx = (float)width / sample.Image.Width, sy = (float)height / sample.Image.Height;

        // A random crop window (the whole image when no crop is asked for or the image is smaller).
        int cropW = augment.CropSize > 0 ? Math.Min(augment.CropSize, width) : width;
        int cropH = augment.CropSize > 0 ? Math.Min(augment.CropSize, height) : height;
        int left = random is not null && cropW < width ? random.Next(width - cropW + 1) : 0;
        int top = random is not null && cropH < height ? random.Next(height - cropH + 1) : 0;
        if (cropW < width || cropH < height)
            resized = resized[.., .., top..(top + cropH), left..(left + cropW)];
        var window = new BoundingBox(left, top, left + cropW, top + cropH);

        var boxes = new List<float>();
        var ignore = new List<float>();
        void AddIgnore(BoundingBox b) => ignore.AddRange([(b.X1 - left) / cropW, (b.Y1 - top) / cropH, (b.X2 - left) / cropW, (b.Y2 - top) / cropH]);
        foreach (var box in sample.Boxes)
        {
            var whole = Transform(box, sample.Image.Width, flip, sx, sy);
            var b = Clip(whole, window);
            if (b.Area <= 0)
                continue;
            if (b.Area < augment.MinVisibleShare * whole.Area || b.Width < minBoxSide || b.Height < minBoxSide)
            {
                AddIgnore(b);
                continue;
            }
            boxes.AddRange([((b.X1 + b.X2) / 2 - left) / cropW, ((b.Y1 + b.Y2) / 2 - top) / cropH, b.Width / cropW, b.Height / cropH]);
        }
        foreach (var box in sample.Ignore)
        {
            var b = Clip(Transform(box, sample.Image.Width, flip, sx, sy), window);
            if (b.Area > 0)
                AddIgnore(b);
        }
        var target = new DetectionTarget(
            tensor(boxes.ToArray(), [boxes.Count / 4, 4], device: device),
            tensor(ignore.ToArray(), [ignore.Count / 4, 4], device: device));
        // Normalising pads the image to the encoder's multiple: express the targets in that padded frame.
        var normalized = model.NormalizeImages(resized);
        return (normalized, OnCanvas(target, (float)cropW / normalized.shape[3], (float)cropH / normalized.shape[2], device));
    }

    private static long RoundUp(long value, long multiple) => (value + multiple - 1) / multiple * multiple;

    private static DetectionTarget OnCanvas(DetectionTarget target, float sx, float sy, Device device)
    {
        var scale = tensor(new[] { sx, sy, sx, sy }, device: device);
        return new DetectionTarget(target.Boxes * scale, target.Ignore * scale);
    }

    private static BoundingBox Clip(BoundingBox b, BoundingBox window) =>
        new(Math.Max(b.X1, window.X1), Math.Max(b.Y1, window.Y1), Math.Min(b.X2, window.X2), Math.Min(b.Y2, window.Y2));

    private static BoundingBox Transform(BoundingBox box, int width, bool flip, float sx, float sy)
    {
        float x1 = flip ? width - box.X2 : box.X1, x2 = flip ? width - box.X1 : box.X2;
        return new BoundingBox(x1 * sx, box.Y1 * sy, x2 * sx, box.Y2 * sy);
    }
}
