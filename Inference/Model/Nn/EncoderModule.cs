using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace UniHCP.Pipeline.Inference.Model.Nn;

/// <summary>
/// What the rest of the network needs from an encoder ("backbone_module"): RGB 0..255 images in,
/// a token map [B, C, H/stride, W/stride] out, with normalisation inside.
/// </summary>
internal abstract class EncoderModule(string name) : Module<Tensor, Tensor>(name)
{
    /// <summary>Token stride in pixels.</summary>
    public abstract int Stride { get; }

    /// <summary>Inputs are padded to a multiple of this.</summary>
    public abstract int PadMultiple { get; }

    /// <summary>Normalises RGB 0..255 images in float32, then pads right and bottom with zeros (in
    /// normalised units) to a multiple of <see cref="PadMultiple"/>.</summary>
    public abstract Tensor Normalize(Tensor images);

    /// <summary>Tokens of an already normalised and padded input.</summary>
    public abstract Tensor Tokens(Tensor normalized);

    /// <summary>Parameter prefixes (under "backbone_module.") of the fixed trunk whose output
    /// <see cref="Trunk"/> returns; empty when this encoder cannot be split that way.</summary>
    public virtual IReadOnlyList<string> TrunkParts => [];

    /// <summary>Parameter prefixes (under "backbone_module.") of the trunk's last block: the part of the trunk a
    /// training run may fine-tune while still caching what precedes it; empty when this encoder has no trunk.</summary>
    public virtual IReadOnlyList<string> TrunkTailParts => [];

    /// <summary>The prefixes of <see cref="TrunkParts"/> without <see cref="TrunkTailParts"/> (what
    /// Trunk(x, beforeTail: true) runs).</summary>
    public virtual IReadOnlyList<string> TrunkPartsBeforeTail => [];

    /// <summary>The pretrained trunk's output for a normalised input: what a training run with the trunk
    /// frozen can compute once per image and cache. <see cref="TokensFromTrunk"/> finishes the encoder.
    /// With <paramref name="beforeTail"/>, the output of the block before <see cref="TrunkTailParts"/>.</summary>
    public virtual Tensor Trunk(Tensor normalized, bool beforeTail = false) => throw new NotSupportedException($"The {GetName()} encoder has no separable trunk.");

    /// <summary>Tokens from <see cref="Trunk"/>'s output: Tokens(x) == TokensFromTrunk(Trunk(x)) ==
    /// TokensFromTrunk(Trunk(x, beforeTail: true), throughTail: true).</summary>
    public virtual Tensor TokensFromTrunk(Tensor trunk, bool throughTail = false) => throw new NotSupportedException($"The {GetName()} encoder has no separable trunk.");

    /// <summary>Folds frozen normalisations into the layers before them (float32 arithmetic, before any
    /// cast to a lower precision); a no-op for encoders without any. See <see cref="UniHcpModel.PrepareForInference"/>.</summary>
    public virtual void FoldNormalisation()
    {
    }

    /// <summary>Stores convolution weights channels-last (NHWC strides, same values), the layout oneDNN's
    /// convolutions run fastest in on CPUs; a no-op for encoders without convolutions worth it.</summary>
    public virtual void UseChannelsLastConvolutions()
    {
    }

    /// <summary>The same tensor with NHWC strides: convolutions on it choose oneDNN's channels-last kernels.</summary>
    protected static Tensor ChannelsLast(Tensor x) => x.dim() == 4 ? x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2) : x;

    /// <param name="images">[B, 3, H, W] RGB in 0..255 (any numeric dtype).</param>
    public override Tensor forward(Tensor images) => Tokens(Normalize(images));

    /// <summary>(x - mean) / std per channel in float32, then zero padding to <paramref name="multiple"/>.</summary>
    protected static Tensor NormalizeAndPad(Tensor images, float[] mean, float[] std, int multiple)
    {
        using var scope = NewDisposeScope();
        var m = tensor(mean, device: images.device).reshape(1, 3, 1, 1);
        var s = tensor(std, device: images.device).reshape(1, 3, 1, 1);
        var x = (images.to(ScalarType.Float32) - m) / s;
        long padH = (multiple - (x.shape[2] % multiple)) % multiple;
        long padW = (multiple - (x.shape[3] % multiple)) % multiple;
        if (padH > 0 || padW > 0)
            x = functional.pad(x, [0, padW, 0, padH], PaddingModes.Constant, 0);
        return x.MoveToOuterDisposeScope();
    }
}
