namespace UniHCP.Pipeline.Inference.Model;

/// <summary>The task-query decoder's shape; the paper's: width 256, 9 layers, 8 heads, FFN 2048.</summary>
/// <param name="Hidden">Query and memory width; also the mask-feature width of the neck.</param>
/// <param name="Layers">Decoder layers (cross-attention, self-attention, FFN each).</param>
/// <param name="Heads">Attention heads.</param>
/// <param name="FeedForward">FFN hidden width.</param>
public sealed record DecoderConfig(int Hidden = 256, int Layers = 9, int Heads = 8, int FeedForward = 2048)
{
    public void Validate()
    {
        if (Hidden <= 0 || Hidden % Heads != 0 || Hidden % 4 != 0)
            throw new ArgumentException($"Decoder: Hidden ({Hidden}) must be a positive multiple of Heads ({Heads}) and of 4 (sine position halves).");
        if (Layers <= 0 || FeedForward <= 0)
            throw new ArgumentException($"Decoder: Layers ({Layers}) and FeedForward ({FeedForward}) must be positive.");
    }
}
