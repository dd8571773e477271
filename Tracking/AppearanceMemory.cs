namespace UniHCP.Pipeline.Tracking;

/// <summary>A track's appearance memory: an exponential moving average of its matched embeddings, kept L2-normalised
/// so that a dot product is the cosine similarity. One rule for the tracker and the identities stage.</summary>
internal static class AppearanceMemory
{
    /// <summary><paramref name="memory"/> blended with <paramref name="incoming"/> (momentum: the weight of the past);
    /// the incoming embedding alone when there is no memory yet or its length changed (new weights).</summary>
    public static float[] Blend(float[]? memory, ReadOnlySpan<float> incoming, double momentum)
    {
        var fresh = Normalized(incoming);
        if (memory is null || memory.Length != fresh.Length)
            return fresh;
        for (int i = 0; i < fresh.Length; i++)
            memory[i] = (float)((momentum * memory[i]) + ((1 - momentum) * fresh[i]));
        return Normalized(memory);
    }

    public static float[] Normalized(ReadOnlySpan<float> vector) => Core.Algorithms.Vectors.Normalized(vector);
}
