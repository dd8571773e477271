using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Engine;
using UniHCP.Pipeline.Inference.Processing;
using UniHCP.Pipeline.Training.Evaluation;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Training.Pose;

/// <summary>How a training person is shown to the model: the crop (in source pixels), turned by
/// <see cref="Radians"/> about its centre, and mirrored left-right or not.</summary>
public readonly record struct PoseView(CropBox Crop, double Radians, bool Mirrored)
{
    /// <summary>Where a source point lands in the crop's own (unturned) frame: the crop samples source point
    /// c + R(angle)(q - c) at crop point q, so a source point p shows at q = c + R(-angle)(p - c).</summary>
    public (float X, float Y) ToCropFrame(float x, float y)
    {
        double dx = x - Crop.CentreX, dy = y - Crop.CentreY, cos = Math.Cos(Radians), sin = Math.Sin(Radians);
        return ((float)(Crop.CentreX + (cos * dx) + (sin * dy)), (float)(Crop.CentreY - (sin * dx) + (cos * dy)));
    }

    /// <summary>The view's pixels [1, 3, size.Height, size.Width] from an image [1, 3, H, W]: bilinear, black outside
    /// the image, with the same pixel-centre convention as the engine's crops (equal to them at angle 0).</summary>
    public Tensor Sample(Tensor image, CropSize size)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var scope = NewDisposeScope();
        long imageHeight = image.shape[2], imageWidth = image.shape[3];
        int w = size.Width, h = size.Height;
        double cos = Math.Cos(Radians), sin = Math.Sin(Radians);
        var grid = new float[h * w * 2];
        for (int v = 0; v < h; v++)
        {
            double dy = Crop.SourceY(v, h) - Crop.CentreY;
            for (int u = 0; u < w; u++)
            {
                double dx = Crop.SourceX(u, w) - Crop.CentreX;
                double sx = Crop.CentreX + (cos * dx) - (sin * dy), sy = Crop.CentreY + (sin * dx) + (cos * dy);
                int at = ((v * w) + u) * 2;
                grid[at] = (float)((2 * sx / Math.Max(imageWidth - 1, 1)) - 1);
                grid[at + 1] = (float)((2 * sy / Math.Max(imageHeight - 1, 1)) - 1);
            }
        }
        var sampling = tensor(grid, [1, h, w, 2], device: image.device);
        var pixels = nn.functional.grid_sample(image, sampling, mode: GridSampleMode.Bilinear, padding_mode: GridSamplePaddingMode.Zeros, align_corners: true);
        return (Mirrored ? pixels.flip(3) : pixels).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A random view of a labelled person, as top-down pose training commonly augments: with probability
    /// <paramref name="halfBody"/>, when at least 8 joints are labelled, the crop frames only the upper or only the
    /// lower body (COCO's joints 0-10 or 11-16; that half's labelled extent enlarged 1.5x); then a random scale
    /// (0.75-1.25 of the crop), with probability <paramref name="rotationProbability"/> a turn uniform in
    /// +-<paramref name="maxDegrees"/>, and a mirror half of the time.
    /// </summary>
    public static PoseView Draw(BoundingBox box, PoseTruth truth, CropSize input, Random random, double maxDegrees, double rotationProbability, double halfBody)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(random);
        var crop = CropBox.Around(box, input.Width, input.Height);
        var labelled = Enumerable.Range(0, truth.Joints.Count).Where(j => truth.Visibility[j] > 0).ToList();
        if (halfBody > 0 && labelled.Count >= 8 && random.NextDouble() < halfBody)
        {
            bool upper = random.NextDouble() < 0.5;
            var half = labelled.Where(j => upper ? j <= 10 : j >= 11).ToList();
            if (half.Count >= 2)
            {
                float x1 = half.Min(j => truth.Joints[j].X), x2 = half.Max(j => truth.Joints[j].X);
                float y1 = half.Min(j => truth.Joints[j].Y), y2 = half.Max(j => truth.Joints[j].Y);
                crop = CropBox.Around(new BoundingBox(x1, y1, Math.Max(x2, x1 + 1), Math.Max(y2, y1 + 1)), input.Width, input.Height, padding: 1.5);
            }
        }
        double scale = 0.75 + (0.5 * random.NextDouble());
        crop = crop with { Width = crop.Width * scale, Height = crop.Height * scale };
        double degrees = maxDegrees > 0 && random.NextDouble() < rotationProbability ? ((2 * random.NextDouble()) - 1) * maxDegrees : 0;
        return new PoseView(crop, degrees * Math.PI / 180, random.NextDouble() < 0.5);
    }
}
