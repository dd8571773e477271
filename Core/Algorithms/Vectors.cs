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

    /// <summary>Cosine similarity (sums in double); 0 when either vector is all zeros.</summary>
    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += a[i] * (double)b[i];
            na += a[i] * (double)a[i];
            nb += b[i] * (double)b[i];
        }
        return na > 0 && nb > 0 ? dot / Math.Sqrt(na * nb) : 0;
    }
}
