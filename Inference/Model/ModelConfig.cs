namespace UniHCP.Pipeline.Inference.Model;

/// <summary>
/// A UniHCP network's shape: encoder and decoder. The decoder design is the same for every
/// configuration; smaller encoders serve CPU deployments and tests.
/// </summary>
/// <param name="Name">A short name ("vit-b", "vit-s", "tiny").</param>
/// <param name="Encoder">Encoder shape.</param>
/// <param name="Decoder">Decoder shape.</param>
public sealed record ModelConfig(string Name, EncoderConfig Encoder, DecoderConfig Decoder)
{
    /// <summary>The paper's model: ViT-B/16 encoder, 9-layer decoder of width 256 (about 109 M parameters).</summary>
    public static ModelConfig VitBase { get; } = new("vit-b", new EncoderConfig(768, 12, 12), new DecoderConfig());

    /// <summary>ViT-S/16 encoder (384 wide, 12 blocks, 6 heads) with the paper's decoder: about 4x less encoder compute.</summary>
    public static ModelConfig VitSmall { get; } = new("vit-s", new EncoderConfig(384, 12, 6), new DecoderConfig());

    /// <summary>A tiny encoder (192 wide, 4 blocks, 3 heads) and a 3-layer decoder of the same design: for tests and CPU smoke runs.</summary>
    public static ModelConfig Tiny { get; } = new("tiny", new EncoderConfig(192, 4, 3, PositionGrid: 32), new DecoderConfig(Hidden: 64, Layers: 3, Heads: 4, FeedForward: 256));

    /// <summary>ResNet-18 (ImageNet weights obtainable on our machines) to stage 3, with stride-8 pyramid
    /// tokens of width 256, and a 6-layer decoder with FFN 1024: the default CPU model's configuration
    /// (about 10 M parameters, 20 MB in half precision).</summary>
    public static ModelConfig ResNet18 { get; } = new("r18", new EncoderConfig(256, 18, 0, PatchSize: 8, Kind: EncoderKind.ResNet18, Stages: 3), new DecoderConfig(Hidden: 256, Layers: 6, Heads: 8, FeedForward: 1024));

    /// <summary><see cref="ResNet18"/> with stage 4 (the ImageNet network whole, as the featurizer ships it).</summary>
    public static ModelConfig ResNet18Full { get; } = ResNet18 with { Name = "r18-full", Encoder = ResNet18.Encoder with { Stages = 4 } };

    /// <summary><see cref="ResNet18"/> with stride-16 tokens (a quarter of the tokens) and a 3-layer decoder: about
    /// four times less work per image, for CPU training runs that must see many images.</summary>
    public static ModelConfig ResNet18Fast { get; } = ResNet18 with
    {
        Name = "r18-s16",
        Encoder = ResNet18.Encoder with { PatchSize = 16 },
        Decoder = ResNet18.Decoder with { Layers = 3 },
    };

    public static IReadOnlyList<ModelConfig> Presets { get; } = [VitBase, VitSmall, Tiny, ResNet18, ResNet18Full, ResNet18Fast];

    public static ModelConfig Preset(string name) =>
        Presets.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown model configuration '{name}'; known: {string.Join(", ", Presets.Select(p => p.Name))}.");

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name))
            throw new ArgumentException("Model configuration needs a name.");
        Encoder.Validate();
        Decoder.Validate();
    }
}
