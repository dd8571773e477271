using UniHCP.Pipeline.Inference.Model;

namespace UniHCP.Pipeline.Benchmarks;

/// <summary>
/// Floating-point operations of a forward pass, counted from the layer shapes (2 per
/// multiply-add; softmax, norms and activations are left out, as is usual), so that measured
/// times can be read as achieved GFLOP/s.
/// </summary>
internal static class FlopEstimate
{
    public static double Encoder(EncoderConfig e, int height, int width)
    {
        double n = Math.Ceiling(height / (double)e.PatchSize) * Math.Ceiling(width / (double)e.PatchSize);
        double d = e.EmbedDim;
        double patch = n * 3 * e.PatchSize * e.PatchSize * d;
        double block = (n * d * d * (3 + 1 + (2 * e.MlpRatio))) + (2 * n * n * d);
        return 2 * (patch + (e.Depth * block));
    }

    public static double Neck(ModelConfig c, int height, int width)
    {
        double tokens = Math.Ceiling(height / 16.0) * Math.Ceiling(width / 16.0);
        double d = c.Encoder.EmbedDim;
        return 2 * ((tokens * d * d * 4) + (tokens * 4 * d * c.Decoder.Hidden * 4));
    }

    public static double Decoder(ModelConfig c, int queries, int height, int width, bool localMap)
    {
        double m = Math.Ceiling(height / 16.0) * Math.Ceiling(width / 16.0);
        double h = c.Decoder.Hidden, q = queries, f = c.Decoder.FeedForward;
        double input = (m * c.Encoder.EmbedDim * h) + (2 * m * h * h);
        double cross = (q * h * h) + (2 * m * h * h) + (2 * q * m * h) + (q * h * h);
        double self = (3 * q * h * h) + (2 * q * q * h) + (q * h * h);
        double ffn = 2 * q * h * f;
        double heads = localMap ? (3 * q * h * h) + (q * h * m * 16) : q * h;
        return 2 * (input + (c.Decoder.Layers * (cross + self + ffn)) + heads);
    }
}
