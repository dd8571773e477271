using UniHCP.Pipeline.Inference.Model;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Inference.Tests;

/// <summary>The training-only attention prior keeps a detection query's attention near its anchor, and is off by default.</summary>
public sealed class AttentionPriorTests
{
    [Fact]
    public void A_strong_prior_makes_a_query_blind_to_tokens_far_from_its_anchor()
    {
        using var scope = NewDisposeScope();
        TorchRuntime.EnsureLoaded();
        // One query (one content x one anchor), so no other query can carry far information to it by self-attention.
        using var model = TestModels.Seeded(9, ModelConfig.Tiny, new TaskRegistry([TaskRegistry.Detection(contentQueries: 1, anchors: 1)]));
        model.eval();
        using var inference = inference_mode();
        model.state_dict()["tasks.detection.query_embed.weight"].copy_(tensor(new[] { 0.1f, 0.1f }).reshape(1, 2));
        var tokens = randn([1, model.Config.Encoder.EmbedDim, 8, 8], generator: new Generator(2));
        var perturbed = tokens.clone();
        perturbed[.., .., 4.., 4..] += 5; // the bottom-right quarter, far from the anchor at (0.1, 0.1)

        Assert.Equal(0, model.DetectionAttentionPrior);
        double withoutPrior = Change(model, tokens, perturbed);
        model.DetectionAttentionPrior = 1000;
        double withPrior = Change(model, tokens, perturbed);

        Assert.True(withoutPrior > 1e-3, $"without the prior the query sees the whole image (change {withoutPrior})");
        Assert.True(withPrior < 1e-5, $"with a strong prior, far tokens do not reach the query (change {withPrior})");
        Assert.Throws<ArgumentOutOfRangeException>(() => model.DetectionAttentionPrior = -1);
    }

    private static double Change(UniHcpModel model, Tensor tokens, Tensor perturbed)
    {
        using var a = model.Run("detection", tokens);
        using var b = model.Run("detection", perturbed);
        return (a.Boxes! - b.Boxes!).abs().max().item<float>() + (a.GlobalLogits! - b.GlobalLogits!).abs().max().item<float>();
    }
}
