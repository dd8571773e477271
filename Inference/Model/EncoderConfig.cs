namespace UniHCP.Pipeline.Inference.Model;

/// <summary>The plain ViT encoder's shape. The paper's model is <see cref="ModelConfig.VitBase"/>.</summary>
/// <param name="EmbedDim">Token width (768 for ViT-B).</param>
/// <param name="Depth">Number of transformer blocks (12).</param>
/// <param name="Heads">Attention heads per block (12).</param>
/// <param name="PatchSize">Patch size in pixels, the encoder's stride (16).</param>
/// <param name="MlpRatio">Hidden width of a block's MLP over <paramref name="EmbedDim"/> (4).</param>
/// <param name="PositionGrid">Side of the learnable position table (84: 1344 / 16, the padded
/// detection input); it is resampled to every input's token grid.</param>
public sealed record EncoderConfig(int EmbedDim, int Depth, int Heads, int PatchSize = 16, int MlpRatio = 4, int PositionGrid = 84)
{
    public void Validate()
    {
        if (EmbedDim <= 0 || Depth <= 0 || Heads <= 0 || EmbedDim % Heads != 0)
            throw new ArgumentException($"Encoder: EmbedDim ({EmbedDim}) must be a positive multiple of Heads ({Heads}) and Depth ({Depth}) positive.");
        if (PatchSize is < 2 or > 64 || MlpRatio is < 1 or > 16 || PositionGrid is < 1 or > 512)
            throw new ArgumentException($"Encoder: PatchSize {PatchSize}, MlpRatio {MlpRatio} or PositionGrid {PositionGrid} out of range.");
    }
}
