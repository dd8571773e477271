namespace UniHCP.Pipeline.Inference.Processing;

/// <summary>
/// Decodes pose heatmaps as the release evaluation does: the argmax of each joint's map, refined
/// by DARK for unbiased data processing (Gaussian blur with an 11-pixel kernel, log of the map
/// clipped to [0.001, 50], one Newton step with the finite-difference gradient and Hessian at the
/// argmax). The joint's score is the map's maximum before the blur. Coordinates are in heatmap
/// pixels; <see cref="CropBox"/> maps them back to the frame.
/// </summary>
public static class HeatmapDecoder
{
    public const int DarkKernel = 11;

    /// <param name="heatmaps">[joints, height, width] row-major.</param>
    /// <param name="joints">Number of maps.</param>
    /// <param name="height">Map height.</param>
    /// <param name="width">Map width.</param>
    /// <param name="dark">Apply the DARK refinement (release: yes).</param>
    public static (double X, double Y, float Score)[] Decode(ReadOnlySpan<float> heatmaps, int joints, int height, int width, bool dark = true)
    {
        int plane = height * width;
        if (heatmaps.Length != joints * plane)
            throw new ArgumentException($"Heatmaps hold {heatmaps.Length} values, not {joints} x {height} x {width}.");
        var result = new (double, double, float)[joints];
        var blurred = new float[plane];
        for (int j = 0; j < joints; j++)
        {
            var map = heatmaps.Slice(j * plane, plane);
            int best = 0;
            for (int i = 1; i < plane; i++)
            {
                if (map[i] > map[best])
                    best = i;
            }
            int px = best % width, py = best / width;
            double x = px, y = py;
            if (dark && width >= 3 && height >= 3)
            {
                GaussianBlur(map, blurred, height, width);
                for (int i = 0; i < plane; i++)
                    blurred[i] = MathF.Log(Math.Clamp(blurred[i], 0.001f, 50f));
                (x, y) = NewtonStep(blurred, height, width, px, py);
            }
            result[j] = (x, y, map[best]);
        }
        return result;
    }

    /// <summary>Mirrors maps horizontally and swaps left/right pairs: a flipped input's heatmaps back in the original's frame.</summary>
    public static float[] FlipBack(ReadOnlySpan<float> heatmaps, int joints, int height, int width, IReadOnlyList<(int Left, int Right)> pairs)
    {
        int plane = height * width;
        var partner = Enumerable.Range(0, joints).ToArray();
        foreach (var (left, right) in pairs)
        {
            partner[left] = right;
            partner[right] = left;
        }
        var output = new float[heatmaps.Length];
        for (int j = 0; j < joints; j++)
        {
            var source = heatmaps.Slice(partner[j] * plane, plane);
            var target = output.AsSpan(j * plane, plane);
            for (int row = 0; row < height; row++)
            {
                for (int col = 0; col < width; col++)
                    target[(row * width) + col] = source[(row * width) + (width - 1 - col)];
            }
        }
        return output;
    }

    // Separable Gaussian, kernel 11, sigma = 0.3 * ((11 - 1) / 2 - 1) + 0.8 = 2 (OpenCV's rule for
    // sigma 0), mirrored border without repeating the edge (OpenCV's BORDER_REFLECT_101).
    private static void GaussianBlur(ReadOnlySpan<float> source, Span<float> target, int height, int width)
    {
        const int radius = DarkKernel / 2;
        double sigma = (0.3 * (((DarkKernel - 1) * 0.5) - 1)) + 0.8;
        Span<double> kernel = stackalloc double[DarkKernel];
        double sum = 0;
        for (int i = 0; i < DarkKernel; i++)
        {
            kernel[i] = Math.Exp(-((i - radius) * (i - radius)) / (2 * sigma * sigma));
            sum += kernel[i];
        }
        for (int i = 0; i < DarkKernel; i++)
            kernel[i] /= sum;

        var rows = new double[height * width];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                double acc = 0;
                for (int k = -radius; k <= radius; k++)
                    acc += kernel[k + radius] * source[(y * width) + Reflect101(x + k, width)];
                rows[(y * width) + x] = acc;
            }
        }
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                double acc = 0;
                for (int k = -radius; k <= radius; k++)
                    acc += kernel[k + radius] * rows[(Reflect101(y + k, height) * width) + x];
                target[(y * width) + x] = (float)acc;
            }
        }
    }

    private static int Reflect101(int i, int n)
    {
        if (n == 1)
            return 0;
        while (i < 0 || i >= n)
            i = i < 0 ? -i : (2 * n) - 2 - i;
        return i;
    }

    // One Newton step on the log-heatmap at (px, py); neighbours beyond the edge repeat the edge.
    private static (double X, double Y) NewtonStep(float[] log, int height, int width, int px, int py)
    {
        double At(int x, int y) => log[(Math.Clamp(y, 0, height - 1) * width) + Math.Clamp(x, 0, width - 1)];
        double centre = At(px, py);
        double dx = 0.5 * (At(px + 1, py) - At(px - 1, py));
        double dy = 0.5 * (At(px, py + 1) - At(px, py - 1));
        double dxx = At(px + 1, py) - (2 * centre) + At(px - 1, py);
        double dyy = At(px, py + 1) - (2 * centre) + At(px, py - 1);
        double dxy = 0.5 * (At(px + 1, py + 1) - At(px + 1, py) - At(px, py + 1) + (2 * centre) - At(px - 1, py) - At(px, py - 1) + At(px - 1, py - 1));
        // The Hessian plus float32 epsilon on the diagonal (as the reference), inverted in closed form.
        double eps = 1.1920929e-07;
        double a = dxx + eps, b = dxy, c = dxy, d = dyy + eps;
        double det = (a * d) - (b * c);
        if (Math.Abs(det) < 1e-12 || !double.IsFinite(det))
            return (px, py);
        double stepX = ((d * dx) - (b * dy)) / det;
        double stepY = ((-c * dx) + (a * dy)) / det;
        if (!double.IsFinite(stepX) || !double.IsFinite(stepY))
            return (px, py);
        return (px - stepX, py - stepY);
    }
}
