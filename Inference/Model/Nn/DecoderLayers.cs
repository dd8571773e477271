using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace UniHCP.Pipeline.Inference.Model.Nn;

/// <summary>Cross-attention of the queries to the visual tokens, post-norm:
/// LN(tgt + attn(q = tgt + query_pos, k = memory + key_pos, v = memory)).</summary>
internal sealed class CrossAttentionLayer : Module<Tensor, Tensor, Tensor, Tensor, Tensor>
{
    private readonly MultiheadAttention multihead_attn;
    private readonly LayerNorm norm;

    public CrossAttentionLayer(DecoderConfig config) : base(nameof(CrossAttentionLayer))
    {
        multihead_attn = new MultiheadAttention(config.Hidden, config.Heads);
        norm = LayerNorm(config.Hidden);
        RegisterComponents();
    }

    public override Tensor forward(Tensor tgt, Tensor memory, Tensor queryPos, Tensor keyPos) => Attend(tgt, memory, queryPos, keyPos, null);

    /// <param name="bias">Added to the attention logits ([1, 1, Q, K]); null for none.</param>
    public Tensor Attend(Tensor tgt, Tensor memory, Tensor queryPos, Tensor keyPos, Tensor? bias)
    {
        using var scope = NewDisposeScope();
        var attended = multihead_attn.Attend(tgt + queryPos, memory + keyPos, memory, bias);
        return norm.call(tgt + attended).MoveToOuterDisposeScope();
    }
}

/// <summary>Self-attention among the queries, post-norm: LN(tgt + attn(q = k = tgt + query_pos, v = tgt)).</summary>
internal sealed class SelfAttentionLayer : Module<Tensor, Tensor, Tensor>
{
    private readonly MultiheadAttention self_attn;
    private readonly LayerNorm norm;

    public SelfAttentionLayer(DecoderConfig config) : base(nameof(SelfAttentionLayer))
    {
        self_attn = new MultiheadAttention(config.Hidden, config.Heads);
        norm = LayerNorm(config.Hidden);
        RegisterComponents();
    }

    public override Tensor forward(Tensor tgt, Tensor queryPos)
    {
        using var scope = NewDisposeScope();
        return norm.call(tgt + self_attn.SelfAttend(tgt + queryPos, tgt)).MoveToOuterDisposeScope();
    }
}

/// <summary>Feed-forward, post-norm: LN(tgt + linear2(relu(linear1(tgt)))).</summary>
internal sealed class FfnLayer : Module<Tensor, Tensor>
{
    private readonly Linear linear1;
    private readonly Linear linear2;
    private readonly LayerNorm norm;

    public FfnLayer(DecoderConfig config) : base(nameof(FfnLayer))
    {
        linear1 = Linear(config.Hidden, config.FeedForward);
        linear2 = Linear(config.FeedForward, config.Hidden);
        norm = LayerNorm(config.Hidden);
        RegisterComponents();
    }

    public override Tensor forward(Tensor tgt)
    {
        using var scope = NewDisposeScope();
        return norm.call(tgt + linear2.call(functional.relu(linear1.call(tgt)))).MoveToOuterDisposeScope();
    }
}

/// <summary>A three-layer perceptron with ReLU between layers ("layers.0" .. "layers.2").</summary>
internal sealed class Mlp3 : Module<Tensor, Tensor>
{
    private readonly ModuleList<Linear> layers;

    public Mlp3(int input, int hidden, int output) : base(nameof(Mlp3))
    {
        layers = new ModuleList<Linear>(Linear(input, hidden), Linear(hidden, hidden), Linear(hidden, output));
        RegisterComponents();
    }

    /// <summary>Zeroes the last layer's weight and bias (an initialisation).</summary>
    public void ZeroLastLayer()
    {
        using var noGrad = no_grad();
        layers[^1].weight!.zero_();
        layers[^1].bias!.zero_();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        for (int i = 0; i < layers.Count; i++)
            x = i < layers.Count - 1 ? functional.relu(layers[i].call(x)) : layers[i].call(x);
        return x.MoveToOuterDisposeScope();
    }
}
