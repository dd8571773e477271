using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace UniHCP.Pipeline.Inference.Model.Nn;

/// <summary>
/// Multi-head attention with PyTorch's nn.MultiheadAttention parameter layout ("in_proj_weight"
/// [3E, E] with the q, k and v rows stacked, "in_proj_bias" [3E], "out_proj"), batch-first, computed
/// with scaled_dot_product_attention.
/// </summary>
internal sealed class MultiheadAttention : Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly Parameter in_proj_weight;
    private readonly Parameter in_proj_bias;
    private readonly Linear out_proj;
    private readonly int _heads;
    private readonly int _dim;

    public MultiheadAttention(int dim, int heads) : base(nameof(MultiheadAttention))
    {
        _dim = dim;
        _heads = heads;
        in_proj_weight = Parameter(empty(3 * dim, dim));
        in_proj_bias = Parameter(zeros(3 * dim));
        out_proj = Linear(dim, dim);
        init.xavier_uniform_(in_proj_weight);
        RegisterComponents();
    }

    /// <param name="query">[B, Lq, E]</param>
    /// <param name="key">[B, Lk, E]</param>
    /// <param name="value">[B, Lk, E]</param>
    public override Tensor forward(Tensor query, Tensor key, Tensor value) => Attend(query, key, value, null);

    /// <param name="bias">Added to the attention logits, broadcast to [B, heads, Lq, Lk]; null for none.</param>
    public Tensor Attend(Tensor query, Tensor key, Tensor value, Tensor? bias)
    {
        using var scope = NewDisposeScope();
        var weights = in_proj_weight.chunk(3, 0);
        var biases = in_proj_bias.chunk(3, 0);
        var q = SplitHeads(functional.linear(query, weights[0], biases[0]));
        var k = SplitHeads(functional.linear(key, weights[1], biases[1]));
        var v = SplitHeads(functional.linear(value, weights[2], biases[2]));
        var attended = bias is null ? functional.scaled_dot_product_attention(q, k, v) : functional.scaled_dot_product_attention(q, k, v, attn_mask: bias.to(q.dtype));
        long b = attended.shape[0], l = attended.shape[2];
        return out_proj.call(attended.transpose(1, 2).reshape(b, l, _dim)).MoveToOuterDisposeScope();
    }

    /// <summary>Self-attention, where query and key are the same tensor: their two projections run as
    /// one matrix product (fewer, larger operations; the decoder runs with few queries).</summary>
    public Tensor SelfAttend(Tensor queryKey, Tensor value)
    {
        using var scope = NewDisposeScope();
        var qk = functional.linear(queryKey, in_proj_weight[..(2 * _dim)], in_proj_bias[..(2 * _dim)]).chunk(2, -1);
        var v = functional.linear(value, in_proj_weight[(2 * _dim)..], in_proj_bias[(2 * _dim)..]);
        var attended = functional.scaled_dot_product_attention(SplitHeads(qk[0]), SplitHeads(qk[1]), SplitHeads(v));
        long b = attended.shape[0], l = attended.shape[2];
        return out_proj.call(attended.transpose(1, 2).reshape(b, l, _dim)).MoveToOuterDisposeScope();
    }

    private Tensor SplitHeads(Tensor x) => x.reshape(x.shape[0], x.shape[1], _heads, _dim / _heads).transpose(1, 2);
}
