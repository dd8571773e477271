using static TorchSharp.torch;

namespace UniHCP.Pipeline.Training.ReId;

/// <summary>
/// Random erasing (Zhong et al. 2020, the ReID baselines' setting): with probability 0.5, one rectangle covering
/// 2-40 % of the crop with aspect ratio 0.3-3.3 is filled with the ImageNet mean colour, so the model cannot lean on
/// any single part of a person (occlusion by other people, carts, pillars is the rule in surveillance video).
/// </summary>
public static class RandomErasing
{
    private static readonly double[] s_meanPixel = [123.675, 116.28, 103.53];

    /// <summary>Erases in place in <paramref name="crops"/> ([B, 3, H, W], 0-255 pixels), a rectangle per crop chosen independently.</summary>
    /// <returns>How many crops were erased.</returns>
    public static int Apply(Tensor crops, Random random, double probability = 0.5, double minArea = 0.02, double maxArea = 0.4, double minAspect = 0.3)
    {
        ArgumentNullException.ThrowIfNull(crops);
        ArgumentNullException.ThrowIfNull(random);
        if (crops.dim() != 4 || crops.shape[1] != 3)
            throw new ArgumentException($"Random erasing needs [B, 3, H, W] crops, not [{string.Join(", ", crops.shape)}].", nameof(crops));
        int height = (int)crops.shape[2], width = (int)crops.shape[3], erased = 0;
        using var noGrad = no_grad();
        for (int b = 0; b < crops.shape[0]; b++)
        {
            if (random.NextDouble() >= probability)
                continue;
            // The paper's rejection sampling: retry until the rectangle fits (100 tries, then leave the crop as is).
            for (int attempt = 0; attempt < 100; attempt++)
            {
                double area = height * width * (minArea + ((maxArea - minArea) * random.NextDouble()));
                double aspect = Math.Exp(Math.Log(minAspect) + ((Math.Log(1 / minAspect) - Math.Log(minAspect)) * random.NextDouble()));
                int h = (int)Math.Round(Math.Sqrt(area * aspect)), w = (int)Math.Round(Math.Sqrt(area / aspect));
                if (h < 1 || w < 1 || h >= height || w >= width)
                    continue;
                int y = random.Next(height - h), x = random.Next(width - w);
                for (int c = 0; c < 3; c++)
                    crops[b, c].narrow(0, y, h).narrow(1, x, w).fill_(s_meanPixel[c]);
                erased++;
                break;
            }
        }
        return erased;
    }
}
