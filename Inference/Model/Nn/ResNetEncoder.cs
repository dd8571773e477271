using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace UniHCP.Pipeline.Inference.Model.Nn;

/// <summary>
/// A ResNet-18 encoder (state-dict prefix "backbone_module."): the ImageNet network of the ML.NET
/// featurizer (basic blocks 2, 2, 2, 3; torchvision key names; batch norm frozen), and a small
/// feature pyramid that projects stages 2-4 to <see cref="EncoderConfig.EmbedDim"/> channels and
/// adds them top-down, giving tokens at stride 8 (stage 2 level) or 16 (stage 3 level). Input:
/// RGB 0..255 minus the ImageNet channel means, unscaled, as the featurizer's preprocessing.
/// </summary>
internal sealed class ResNetEncoder : EncoderModule
{
    private readonly Conv2d conv1;
    private readonly FrozenBatchNorm2d bn1;
    private readonly ModuleList<BasicBlock> layer1;
    private readonly ModuleList<BasicBlock> layer2;
    private readonly ModuleList<BasicBlock> layer3;
    private readonly ModuleList<BasicBlock>? layer4;
    private readonly FeaturePyramid fpn;
    private readonly int _stride;

    // The featurizer's mean image averages to these (R, G, B); it does not divide by a deviation.
    internal static readonly float[] ChannelMeans = [123.15163f, 115.902885f, 103.06262f];
    private static readonly float[] s_unit = [1f, 1f, 1f];

    public ResNetEncoder(EncoderConfig config) : base(nameof(ResNetEncoder))
    {
        _stride = config.PatchSize;
        conv1 = Conv2d(3, 64, kernel_size: 7, stride: 2, padding: 3, bias: false);
        bn1 = new FrozenBatchNorm2d(64);
        layer1 = Stage(64, 64, 2, stride: 1);
        layer2 = Stage(64, 128, 2, stride: 2);
        layer3 = Stage(128, 256, 2, stride: 2);
        if (config.Stages == 4)
            layer4 = Stage(256, 512, 3, stride: 2);
        fpn = new FeaturePyramid(config.EmbedDim, _stride, config.Stages == 4);
        RegisterComponents();
    }

    public override int Stride => _stride;

    /// <summary>The deepest stage's stride (32 with stage 4, else 16): padding to it keeps every stage's grid exact.</summary>
    public override int PadMultiple => layer4 is null ? 16 : 32;

    public override Tensor Normalize(Tensor images) => NormalizeAndPad(images, ChannelMeans, s_unit, PadMultiple);

    public override Tensor Tokens(Tensor normalized)
    {
        using var scope = NewDisposeScope();
        var (c2, c3, c4) = Stages(normalized.to(conv1.weight!.dtype));
        return fpn.call(c2, c3, c4).MoveToOuterDisposeScope();
    }

    // The trunk is the ImageNet network to stage 3; only the stride-16, stage-3 layout has a single trunk
    // tensor (stride 8 also needs stage 2, stage 4 would be trained), so only it offers the split.
    private bool HasTrunk => _stride == 16 && layer4 is null;

    public override IReadOnlyList<string> TrunkParts => HasTrunk ? ["conv1", "bn1", "layer1", "layer2", "layer3"] : [];

    // Stage 3's second block (about 16 % of the trunk's multiply-adds at stride 16): the features the detector reads most directly.
    public override IReadOnlyList<string> TrunkTailParts => HasTrunk ? ["layer3.1"] : [];

    public override IReadOnlyList<string> TrunkPartsBeforeTail => HasTrunk ? ["conv1", "bn1", "layer1", "layer2", "layer3.0"] : [];

    public override Tensor Trunk(Tensor normalized, bool beforeTail = false)
    {
        RequireTrunk();
        using var scope = NewDisposeScope();
        var x = StagesOneAndTwo(normalized.to(conv1.weight!.dtype));
        foreach (var block in beforeTail ? layer3.Take(layer3.Count - 1) : layer3)
            x = block.call(x);
        return x.MoveToOuterDisposeScope();
    }

    public override Tensor TokensFromTrunk(Tensor trunk, bool throughTail = false)
    {
        RequireTrunk();
        if (trunk.dim() != 4 || trunk.shape[1] != 256)
            throw new ArgumentException($"Trunk features must be [B, 256, H/16, W/16]; got [{string.Join(", ", trunk.shape)}].");
        using var scope = NewDisposeScope();
        var c3 = trunk.to(conv1.weight!.dtype);
        if (throughTail)
            c3 = layer3[layer3.Count - 1].call(ChannelsLast(c3));
        return fpn.call(null, c3, null).MoveToOuterDisposeScope();
    }

    private void RequireTrunk()
    {
        if (!HasTrunk)
            throw new NotSupportedException($"Only the stride-16, stage-3 ResNet-18 (r18-s16) has a separable trunk; this one has stride {_stride} and {(layer4 is null ? 3 : 4)} stages.");
    }

    /// <summary>The ImageNet network's global-average-pooled stage-4 features [B, 512]: what the
    /// featurizer outputs (used to check the imported weights against ONNX Runtime).</summary>
    public Tensor PooledFeatures(Tensor normalized)
    {
        using var scope = NewDisposeScope();
        var (_, _, c4) = Stages(normalized.to(conv1.weight!.dtype));
        return (c4 ?? throw new InvalidOperationException("This encoder has no stage 4.")).mean([2, 3]).MoveToOuterDisposeScope();
    }

    public override void FoldNormalisation()
    {
        bn1.FoldInto(conv1);
        foreach (var block in (layer4 is null ? layer1.Concat(layer2).Concat(layer3) : layer1.Concat(layer2).Concat(layer3).Concat(layer4)))
            block.FoldNormalisation();
    }

    public override void UseChannelsLastConvolutions()
    {
        using var noGrad = no_grad();
        foreach (var parameter in parameters().Where(p => p.dim() == 4))
        {
            // The scope frees the views at once: the first still holds the old storage, which would otherwise live
            // until a collection finalizes it (the whole encoder's weights twice over while the engine is built).
            using var scope = NewDisposeScope();
            parameter.set_(ChannelsLast(parameter));
        }
    }

    private (Tensor C2, Tensor C3, Tensor? C4) Stages(Tensor x)
    {
        x = StagesOneAndTwo(x);
        var c2 = x;
        foreach (var block in layer3)
            x = block.call(x);
        var c3 = x;
        if (layer4 is null)
            return (c2, c3, null);
        foreach (var block in layer4)
            x = block.call(x);
        return (c2, c3, x);
    }

    private Tensor StagesOneAndTwo(Tensor x)
    {
        x = ChannelsLast(x);
        // Pooling before the ReLU gives the same numbers (ReLU is monotonic, so it commutes with max) and
        // runs the ReLU on a quarter of the pixels: measured 20.7 -> 15.2 ms per 683x512 frame for the stem.
        x = functional.max_pool2d(bn1.call(conv1.call(x)), kernel_size: 3, stride: 2, padding: 1).relu_();
        foreach (var block in layer1)
            x = block.call(x);
        foreach (var block in layer2)
            x = block.call(x);
        return x;
    }

    private static ModuleList<BasicBlock> Stage(int input, int output, int blocks, int stride) =>
        new(Enumerable.Range(0, blocks).Select(i => new BasicBlock(i == 0 ? input : output, output, i == 0 ? stride : 1)).ToArray());
}

/// <summary>A ResNet basic block: two 3x3 convolutions with frozen batch norm, and a 1x1 projection
/// ("downsample.0", "downsample.1") on the shortcut when the shape changes.</summary>
internal sealed class BasicBlock : Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly FrozenBatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly FrozenBatchNorm2d bn2;
    private readonly Sequential? downsample;

    public BasicBlock(int input, int output, int stride) : base(nameof(BasicBlock))
    {
        conv1 = Conv2d(input, output, kernel_size: 3, stride: stride, padding: 1, bias: false);
        bn1 = new FrozenBatchNorm2d(output);
        conv2 = Conv2d(output, output, kernel_size: 3, stride: 1, padding: 1, bias: false);
        bn2 = new FrozenBatchNorm2d(output);
        if (stride != 1 || input != output)
            downsample = Sequential(Conv2d(input, output, kernel_size: 1, stride: stride, bias: false), new FrozenBatchNorm2d(output));
        RegisterComponents();
    }

    public void FoldNormalisation()
    {
        bn1.FoldInto(conv1);
        bn2.FoldInto(conv2);
        if (downsample is not null)
            ((FrozenBatchNorm2d)downsample[1]).FoldInto((Conv2d)downsample[0]);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        // In place where the tensor is this block's own fresh output (torchvision's block does the same):
        // saves a pass and an allocation per step on the inference path; autograd accepts both.
        var y = bn1.call(conv1.call(x)).relu_();
        y = bn2.call(conv2.call(y));
        var shortcut = downsample is null ? x : downsample.call(x);
        return y.add_(shortcut).relu_().MoveToOuterDisposeScope();
    }
}

/// <summary>
/// Batch norm with fixed statistics and affine parameters: y = (x - mean) / sqrt(var + eps) * weight + bias.
/// All four are buffers (saved, never trained), so a training step with small batches cannot move
/// the ImageNet statistics. eps 1e-5, as in the imported network.
/// </summary>
internal sealed class FrozenBatchNorm2d : Module<Tensor, Tensor>
{
    private readonly Tensor weight;
    private readonly Tensor bias;
    private readonly Tensor running_mean;
    private readonly Tensor running_var;

    public FrozenBatchNorm2d(int channels) : base(nameof(FrozenBatchNorm2d))
    {
        weight = ones(channels);
        bias = zeros(channels);
        running_mean = zeros(channels);
        running_var = ones(channels);
        RegisterComponents();
    }

    // Set once folded: the preceding convolution applies the normalisation, and this layer passes through.
    private bool _folded;

    /// <summary>Moves this normalisation into <paramref name="conv"/> (which has no bias): its weights scaled
    /// per output channel and a bias added, so that an inference pass makes one fused convolution call instead
    /// of a convolution and two full passes over its output. Computed in float32; the layer then passes through.</summary>
    public void FoldInto(Conv2d conv)
    {
        if (_folded)
            throw new InvalidOperationException("This batch norm is already folded into its convolution.");
        if (conv.bias is not null)
            throw new InvalidOperationException("Folding a batch norm needs a convolution without a bias.");
        using var noGrad = no_grad();
        var weights = conv.weight!;
        Tensor shift;
        // The scope frees the temporaries at once (one aliases the old weights' storage).
        using (var scope = NewDisposeScope())
        {
            var scale = weight.to(ScalarType.Float32) * (running_var.to(ScalarType.Float32) + 1e-5).rsqrt();
            shift = (bias.to(ScalarType.Float32) - (running_mean.to(ScalarType.Float32) * scale)).to(weights.dtype).MoveToOuterDisposeScope();
            weights.set_((weights.to(ScalarType.Float32) * scale.reshape(-1, 1, 1, 1)).to(weights.dtype));
        }
        conv.bias = new Parameter(shift, requires_grad: false);
        _folded = true;
    }

    public override Tensor forward(Tensor x)
    {
        if (_folded)
            return x.alias();
        using var scope = NewDisposeScope();
        var scale = weight * (running_var + 1e-5).rsqrt();
        var shift = bias - (running_mean * scale);
        return ((x * scale.reshape(1, -1, 1, 1)) + shift.reshape(1, -1, 1, 1)).MoveToOuterDisposeScope();
    }
}

/// <summary>1x1 projections of stages 2-4 to one width, added top-down with nearest upsampling,
/// then a 3x3 convolution: tokens at stride 8 or 16.</summary>
internal sealed class FeaturePyramid : Module<Tensor?, Tensor, Tensor?, Tensor>
{
    private readonly Conv2d lateral2;
    private readonly Conv2d lateral3;
    private readonly Conv2d? lateral4;
    private readonly Conv2d output;
    private readonly int _stride;

    public FeaturePyramid(int width, int stride, bool stage4) : base(nameof(FeaturePyramid))
    {
        lateral2 = Conv2d(128, width, kernel_size: 1);
        lateral3 = Conv2d(256, width, kernel_size: 1);
        if (stage4)
            lateral4 = Conv2d(512, width, kernel_size: 1);
        output = Conv2d(width, width, kernel_size: 3, padding: 1);
        _stride = stride;
        RegisterComponents();
    }

    /// <param name="c2">Stage 2 (read only for stride-8 tokens).</param>
    public override Tensor forward(Tensor? c2, Tensor c3, Tensor? c4)
    {
        using var scope = NewDisposeScope();
        var p = lateral3.call(c3);
        if (lateral4 is not null && c4 is not null)
            p = p + functional.interpolate(lateral4.call(c4), scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest);
        if (_stride == 8)
            p = lateral2.call(c2 ?? throw new ArgumentNullException(nameof(c2), "Stride-8 tokens need stage 2.")) + functional.interpolate(p, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest);
        return output.call(p).MoveToOuterDisposeScope();
    }
}
