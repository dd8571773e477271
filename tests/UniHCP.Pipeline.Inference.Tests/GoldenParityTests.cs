using TorchSharp;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Inference.Model.Nn;
using static TorchSharp.torch;
using static UniHCP.Pipeline.Inference.Tests.GoldenValues;

namespace UniHCP.Pipeline.Inference.Tests;

/// <summary>Our building blocks against PyTorch's own results (Golden/make_golden.py), within 1e-5.</summary>
public sealed class GoldenParityTests
{
    [Fact]
    public void Position_table_resampling_is_the_identity_at_its_own_size_and_pytorch_bicubic_elsewhere()
    {
        using var scope = NewDisposeScope();
        using var encoder = new VisionTransformer(new EncoderConfig(EmbedDim: 6, Depth: 1, Heads: 2, PositionGrid: 8));
        var table = Get("pos.table");
        encoder.load_state_dict(new Dictionary<string, Tensor> { ["pos_embed"] = table }, strict: false);

        var same = encoder.ResampledPositions(8, 8);
        Assert.True(same.equal(table).all().item<bool>(), "8x8 on an 8x8 table must return the table unchanged");
        AssertClose(Get("pos.resampled.8x8"), same);
        AssertClose(Get("pos.resampled.5x7"), encoder.ResampledPositions(5, 7));
        AssertClose(Get("pos.resampled.12x10"), encoder.ResampledPositions(12, 10));
    }

    [Fact]
    public void Sine_position_embedding_matches_the_reference_formula()
    {
        using var scope = NewDisposeScope();
        var points = Get("sine.points");
        AssertClose(Get("sine.16"), SinePosition.Embed(points, 16));
        AssertClose(Get("sine.256"), SinePosition.Embed(points, 256));
        AssertClose(Get("sine.grid.3x5"), SinePosition.Embed(SinePosition.GridCentres(3, 5, CPU), 16));
    }

    [Fact]
    public void Multi_head_attention_has_pytorch_layout_and_results()
    {
        using var scope = NewDisposeScope();
        using var attention = new MultiheadAttention(16, 4);
        LoadPrefixed(attention, "mha.");

        AssertClose(Get("mha.output"), attention.call(Get("mha.query"), Get("mha.key"), Get("mha.value")));
    }

    [Fact]
    public void A_decoder_layer_is_cross_attention_then_self_attention_then_ffn_post_norm()
    {
        using var scope = NewDisposeScope();
        var config = new DecoderConfig(Hidden: 16, Layers: 1, Heads: 4, FeedForward: 32);
        using var cross = new CrossAttentionLayer(config);
        using var self = new SelfAttentionLayer(config);
        using var ffn = new FfnLayer(config);
        LoadPrefixed(cross, "layer.cross.");
        LoadPrefixed(self, "layer.self.");
        LoadPrefixed(ffn, "layer.ffn.");
        var queryPos = Get("layer.query_pos");

        var x = cross.call(Get("layer.tgt"), Get("layer.memory"), queryPos, Get("layer.key_pos"));
        x = self.call(x, queryPos);
        x = ffn.call(x);

        AssertClose(Get("layer.output"), x);
    }

    private static void LoadPrefixed(nn.Module module, string prefix)
    {
        var tensors = module.state_dict().Keys.ToDictionary(k => k, k => Get(prefix + k));
        var (missing, unexpected) = module.load_state_dict(tensors, strict: true);
        Assert.Empty(missing);
        Assert.Empty(unexpected);
    }
}
