using UniHCP.Pipeline.Inference.Processing;

namespace UniHCP.Pipeline.Training.Pose;

/// <summary>
/// Heatmap targets of the release: a Gaussian (sigma 2 heatmap pixels) at each labelled joint, placed with the
/// unbiased ("UDP") mapping the decoder inverts - heatmap x = (source x - crop left) x (heatmap width - 1) / crop
/// width - so that a perfect heatmap decodes back to the joint. A joint unlabelled or outside the heatmap gets
/// weight 0 and an empty map.
/// </summary>
public static class PoseTargets
{
    public const double Sigma = 2;

    /// <param name="joints">Source-image joint positions.</param>
    /// <param name="labelled">Whether each joint is labelled.</param>
    /// <param name="crop">The crop the model reads (in source pixels).</param>
    /// <param name="mirrored">The crop is mirrored left-right: positions mirror and each pair's maps swap.</param>
    /// <returns>Heatmaps [J * height * width] and weights [J].</returns>
    public static (float[] Maps, float[] Weights) Build(
        IReadOnlyList<(float X, float Y)> joints, IReadOnlyList<bool> labelled, CropBox crop, int height, int width,
        bool mirrored, IReadOnlyList<(int Left, int Right)> flipPairs)
    {
        ArgumentNullException.ThrowIfNull(joints);
        ArgumentNullException.ThrowIfNull(labelled);
        ArgumentNullException.ThrowIfNull(flipPairs);
        int count = joints.Count;
        var maps = new float[count * height * width];
        var weights = new float[count];
        var target = Enumerable.Range(0, count).ToArray();
        if (mirrored)
        {
            foreach (var (left, right) in flipPairs)
                (target[left], target[right]) = (right, left);
        }
        double left0 = crop.CentreX - (crop.Width / 2), top0 = crop.CentreY - (crop.Height / 2);
        for (int j = 0; j < count; j++)
        {
            if (!labelled[j])
                continue;
            double x = (joints[j].X - left0) * (width - 1) / crop.Width;
            double y = (joints[j].Y - top0) * (height - 1) / crop.Height;
            if (mirrored)
                x = width - 1 - x;
            if (x < 0 || y < 0 || x > width - 1 || y > height - 1)
                continue;
            int t = target[j];
            weights[t] = 1;
            int offset = t * height * width;
            for (int v = 0; v < height; v++)
            {
                for (int u = 0; u < width; u++)
                {
                    double d2 = ((u - x) * (u - x)) + ((v - y) * (v - y));
                    maps[offset + (v * width) + u] = (float)Math.Exp(-d2 / (2 * Sigma * Sigma));
                }
            }
        }
        return (maps, weights);
    }
}
