using UniHCP.Pipeline.Core.Events;

namespace UniHCP.Pipeline.Inference.Processing;

/// <summary>
/// A top-down crop of a person: the detection box enlarged (release: 1.25x) and widened or
/// heightened to the crop's aspect ratio around the box centre, mapped to the output size with
/// the unbiased ("UDP") transform, in which pixel centres at 0 and size-1 map exactly:
/// x_out = (x_src - centre_x + width / 2) * (out_w - 1) / width, likewise for y.
/// </summary>
/// <param name="CentreX">Centre in source pixels.</param>
/// <param name="CentreY">Centre in source pixels.</param>
/// <param name="Width">Crop width in source pixels.</param>
/// <param name="Height">Crop height in source pixels.</param>
public readonly record struct CropBox(double CentreX, double CentreY, double Width, double Height)
{
    /// <summary>The crop around <paramref name="box"/> for an output of <paramref name="outWidth"/> x <paramref name="outHeight"/>.</summary>
    public static CropBox Around(BoundingBox box, int outWidth, int outHeight, double padding = 1.25)
    {
        double w = Math.Max(box.Width, 1), h = Math.Max(box.Height, 1);
        double aspect = (double)outWidth / outHeight;
        if (w > aspect * h)
            h = w / aspect;
        else
            w = h * aspect;
        return new CropBox(box.X1 + (box.Width / 2), box.Y1 + (box.Height / 2), w * padding, h * padding);
    }

    /// <summary>Source x of output column <paramref name="u"/> (0..outWidth-1).</summary>
    public double SourceX(double u, int outWidth) => (u * Width / (outWidth - 1)) + CentreX - (Width / 2);

    /// <summary>Source y of output row <paramref name="v"/> (0..outHeight-1).</summary>
    public double SourceY(double v, int outHeight) => (v * Height / (outHeight - 1)) + CentreY - (Height / 2);
}
