using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace UniHCP.Pipeline.Inference.Model.Nn;

/// <summary>
/// The neck (state-dict prefix "neck_module."): encoder tokens [B, C, H/16, W/16] to mask features
/// [B, hidden, H/4, W/4] by two stride-2 transposed convolutions with a channel LayerNorm and GELU
/// between ("mask_map.0" .. "mask_map.3"). Tokens at stride 8 (ResNet-18 encoder) need only one
/// upsampling: the last layer is then a 1x1 convolution. Only tasks with a local-map unit need it.
/// </summary>
internal sealed class MaskNeck : Module<Tensor, Tensor>
{
    private readonly Sequential mask_map;

    public MaskNeck(int encoderDim, int hidden, int tokenStride = 16) : base(nameof(MaskNeck))
    {
        mask_map = Sequential(
            ConvTranspose2d(encoderDim, encoderDim, kernel_size: 2, stride: 2),
            new ChannelLayerNorm(encoderDim, 1e-6),
            GELU(),
            tokenStride == 16
                ? ConvTranspose2d(encoderDim, hidden, kernel_size: 2, stride: 2)
                : Conv2d(encoderDim, hidden, kernel_size: 1));
        RegisterComponents();
    }

    public override Tensor forward(Tensor tokens) => mask_map.call(tokens);
}

/// <summary>LayerNorm over the channel axis of a [B, C, H, W] map ("weight" and "bias" of size C).</summary>
internal sealed class ChannelLayerNorm : Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter bias;
    private readonly double _eps;

    public ChannelLayerNorm(int channels, double eps) : base(nameof(ChannelLayerNorm))
    {
        weight = Parameter(ones(channels));
        bias = Parameter(zeros(channels));
        _eps = eps;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var normed = functional.layer_norm(x.permute(0, 2, 3, 1), [weight.shape[0]], weight, bias, _eps);
        return normed.permute(0, 3, 1, 2).MoveToOuterDisposeScope();
    }
}
