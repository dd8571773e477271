using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace UniHCP.Pipeline.Inference.Model.Nn;

/// <summary>
/// The encoder (state-dict prefix "backbone_module."): a plain ViT with pre-norm blocks, global
/// attention in every block, no class token, and a final norm. Input is RGB 0..255; normalisation
/// happens here. The learnable 84x84 position table is resampled bicubically to each input's token
/// grid (never cropped). Output: tokens as a map [B, C, H/16, W/16].
/// </summary>
internal sealed class VisionTransformer : EncoderModule
{
    private readonly PatchEmbed patch_embed;
    private readonly Parameter pos_embed;
    private readonly ModuleList<VitBlock> blocks;
    private readonly LayerNorm norm;
    private readonly EncoderConfig _config;

    public VisionTransformer(EncoderConfig config, double dropPathRate = 0) : base(nameof(VisionTransformer))
    {
        _config = config;
        patch_embed = new PatchEmbed(config.PatchSize, config.EmbedDim);
        pos_embed = Parameter(zeros(1, (long)config.PositionGrid * config.PositionGrid, config.EmbedDim));
        // Drop-path rises linearly over the blocks (0 at the first); only active in training.
        blocks = new ModuleList<VitBlock>(Enumerable.Range(0, config.Depth)
            .Select(i => new VitBlock(config, config.Depth > 1 ? dropPathRate * i / (config.Depth - 1) : 0))
            .ToArray());
        norm = LayerNorm(config.EmbedDim, eps: 1e-6);
        RegisterComponents();
    }

    public int PatchSize => _config.PatchSize;

    public override int Stride => _config.PatchSize;

    public override int PadMultiple => _config.PatchSize;

    // ImageNet statistics in 0..255 units. Kept as C# constants, not buffers: a buffer would be
    // converted with the module to bfloat16 and lose precision (123.675 becomes 123.5).
    private static readonly float[] s_mean = [123.675f, 116.28f, 103.53f];
    private static readonly float[] s_std = [58.395f, 57.12f, 57.375f];

    public override Tensor Normalize(Tensor images) => NormalizeAndPad(images, s_mean, s_std, PatchSize);

    /// <summary>The encoder on an already normalised and padded input (the pose flip test of the
    /// official code passes one through <see cref="forward"/> again; see the engine).</summary>
    public override Tensor Tokens(Tensor normalized)
    {
        using var scope = NewDisposeScope();
        var x = patch_embed.call(normalized.to(patch_embed.WeightType));
        long b = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        x = x.flatten(2).transpose(1, 2) + ResampledPositions(h, w);
        foreach (var block in blocks)
            x = block.call(x);
        x = norm.call(x);
        return x.transpose(1, 2).reshape(b, c, h, w).MoveToOuterDisposeScope();
    }

    /// <summary>The position table resampled to an h x w token grid: [1, h*w, C].</summary>
    public Tensor ResampledPositions(long h, long w)
    {
        int grid = _config.PositionGrid;
        if (h == grid && w == grid)
            return pos_embed.alias();
        using var scope = NewDisposeScope();
        var table = pos_embed.reshape(1, grid, grid, -1).permute(0, 3, 1, 2);
        var resized = functional.interpolate(table, size: [h, w], mode: InterpolationMode.Bicubic, align_corners: false);
        return resized.permute(0, 2, 3, 1).reshape(1, h * w, -1).MoveToOuterDisposeScope();
    }
}

/// <summary>"patch_embed": a strided convolution from pixels to tokens.</summary>
internal sealed class PatchEmbed : Module<Tensor, Tensor>
{
    private readonly Conv2d proj;

    public PatchEmbed(int patchSize, int embedDim) : base(nameof(PatchEmbed))
    {
        proj = Conv2d(3, embedDim, kernel_size: patchSize, stride: patchSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => proj.call(input);

    public ScalarType WeightType => proj.weight!.dtype;
}

/// <summary>A pre-norm transformer block: x + attn(norm1(x)), then x + mlp(norm2(x)).</summary>
internal sealed class VitBlock : Module<Tensor, Tensor>
{
    private readonly LayerNorm norm1;
    private readonly VitAttention attn;
    private readonly LayerNorm norm2;
    private readonly VitMlp mlp;
    private readonly double _dropPath;

    public VitBlock(EncoderConfig config, double dropPath) : base(nameof(VitBlock))
    {
        norm1 = LayerNorm(config.EmbedDim, eps: 1e-6);
        attn = new VitAttention(config.EmbedDim, config.Heads);
        norm2 = LayerNorm(config.EmbedDim, eps: 1e-6);
        mlp = new VitMlp(config.EmbedDim, config.EmbedDim * config.MlpRatio);
        _dropPath = dropPath;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        x = x + DropPath.Apply(attn.call(norm1.call(x)), _dropPath, training);
        x = x + DropPath.Apply(mlp.call(norm2.call(x)), _dropPath, training);
        return x.MoveToOuterDisposeScope();
    }
}

/// <summary>Multi-head self-attention with q, k, v from one stacked projection ("qkv", with bias).</summary>
internal sealed class VitAttention : Module<Tensor, Tensor>
{
    private readonly Linear qkv;
    private readonly Linear proj;
    private readonly int _heads;

    public VitAttention(int dim, int heads) : base(nameof(VitAttention))
    {
        qkv = Linear(dim, dim * 3, hasBias: true);
        proj = Linear(dim, dim);
        _heads = heads;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], n = x.shape[1], c = x.shape[2];
        var parts = qkv.call(x).reshape(b, n, 3, _heads, c / _heads).permute(2, 0, 3, 1, 4);
        var attended = functional.scaled_dot_product_attention(parts[0], parts[1], parts[2]);
        return proj.call(attended.transpose(1, 2).reshape(b, n, c)).MoveToOuterDisposeScope();
    }
}

/// <summary>fc1, exact GELU, fc2.</summary>
internal sealed class VitMlp : Module<Tensor, Tensor>
{
    private readonly Linear fc1;
    private readonly Linear fc2;

    public VitMlp(int dim, int hidden) : base(nameof(VitMlp))
    {
        fc1 = Linear(dim, hidden);
        fc2 = Linear(hidden, dim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return fc2.call(functional.gelu(fc1.call(x))).MoveToOuterDisposeScope();
    }
}

/// <summary>Stochastic depth: in training, drops a sample's residual branch with probability p and rescales the rest.</summary>
internal static class DropPath
{
    public static Tensor Apply(Tensor branch, double probability, bool training)
    {
        if (!training || probability <= 0)
            return branch;
        var shape = new long[branch.dim()];
        Array.Fill(shape, 1L);
        shape[0] = branch.shape[0];
        var keep = bernoulli(full(shape, 1 - probability, dtype: branch.dtype, device: branch.device));
        return branch * keep / (1 - probability);
    }
}
