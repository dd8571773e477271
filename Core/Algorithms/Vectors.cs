namespace UniHCP.Pipeline.Core.Algorithms;

/// <summary>Vector helpers shared by the model's post-processing and the trackers.</summary>
public static class Vectors
{
    /// <summary>A copy scaled to unit L2 length (the sum of squares accumulated in double); all zeros stays all zeros.
    /// Unit vectors make a dot product the cosine similarity.</summary>
    public static float[] Normalized(ReadOnlySpan<float> vector)
    {
        double norm = 0;
        foreach (float v in vector)
            norm += v * (double)v;
        float scale = norm > 0 ? (float)(1 / Math.Sqrt(norm)) : 0;
        var result = new float[vector.Length];
        for (int i = 0; i < vector.Length; i++)
            result[i] = vector[i] * scale;
        return result;
    }
}
