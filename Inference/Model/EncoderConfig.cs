namespace UniHCP.Pipeline.Inference.Model;

/// <summary>Which network encodes the image.</summary>
public enum EncoderKind
{
    /// <summary>The paper's plain ViT (official checkpoint layout).</summary>
    Vit = 0,

    /// <summary>An ImageNet ResNet-18 (blocks 2, 2, 2, 3) with a small feature pyramid: a CPU encoder
    /// whose pretrained weights we can obtain (see `unihcp weights import-imagenet-r18`).</summary>
    ResNet18 = 1,
}

/// <summary>The encoder's shape. The paper's model is <see cref="ModelConfig.VitBase"/>.</summary>
/// <param name="EmbedDim">Token width (768 for ViT-B; the pyramid width, 256, for ResNet-18).</param>
/// <param name="Depth">Transformer blocks (12 for ViT-B; 18 for ResNet-18, its layer count).</param>
/// <param name="Heads">Attention heads per block (12 for ViT-B; unused by ResNet-18).</param>
/// <param name="PatchSize">The token stride in pixels: the ViT's patch size (16); 8 or 16 for ResNet-18.</param>
/// <param name="MlpRatio">Hidden width of a ViT block's MLP over <paramref name="EmbedDim"/> (4).</param>
/// <param name="PositionGrid">Side of the ViT's learnable position table (84: 1344 / 16, the padded
/// detection input); it is resampled to every input's token grid.</param>
/// <param name="Kind">ViT or ResNet-18.</param>
/// <param name="Stages">ResNet-18 only: stages used, 3 (to stride 16; 2.8 M parameters) or 4 (adds
/// stage 4 at stride 32, upsampled into the pyramid; 11.2 M parameters).</param>
public sealed record EncoderConfig(int EmbedDim, int Depth, int Heads, int PatchSize = 16, int MlpRatio = 4, int PositionGrid = 84, EncoderKind Kind = EncoderKind.Vit, int Stages = 4)
{
    public void Validate()
    {
        if (Kind == EncoderKind.ResNet18)
        {
            if (EmbedDim is <= 0 or > 4096 || PatchSize is not (8 or 16) || Stages is not (3 or 4))
                throw new ArgumentException($"ResNet-18 encoder: EmbedDim ({EmbedDim}) must be positive, PatchSize (the token stride, {PatchSize}) 8 or 16, and Stages ({Stages}) 3 or 4.");
            return;
        }
        if (EmbedDim <= 0 || Depth <= 0 || Heads <= 0 || EmbedDim % Heads != 0)
            throw new ArgumentException($"Encoder: EmbedDim ({EmbedDim}) must be a positive multiple of Heads ({Heads}) and Depth ({Depth}) positive.");
        if (PatchSize is < 2 or > 64 || MlpRatio is < 1 or > 16 || PositionGrid is < 1 or > 512)
            throw new ArgumentException($"Encoder: PatchSize {PatchSize}, MlpRatio {MlpRatio} or PositionGrid {PositionGrid} out of range.");
    }
}
