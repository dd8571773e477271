using UniHCP.Pipeline.Inference.Model;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Inference.Tests;

public sealed class ModelStructureTests
{
    [Fact]
    public void State_dict_keys_are_the_official_names()
    {
        using var model = TestModels.Tiny();
        var keys = model.state_dict().Keys.ToHashSet();

        string[] official =
        [
            "backbone_module.patch_embed.proj.weight", "backbone_module.pos_embed", "backbone_module.blocks.0.attn.qkv.weight",
            "backbone_module.blocks.3.mlp.fc2.bias", "backbone_module.norm.weight", "neck_module.mask_map.0.weight",
            "neck_module.mask_map.1.weight", "neck_module.mask_map.3.bias", "decoder_module.predictor.input_proj.0.weight",
            "decoder_module.predictor.level_embed.weight", "decoder_module.predictor.adapt_pos2d.2.weight",
            "decoder_module.predictor.transformer_cross_attention_layers.2.multihead_attn.in_proj_weight",
            "decoder_module.predictor.transformer_self_attention_layers.0.self_attn.out_proj.bias",
            "decoder_module.predictor.transformer_ffn_layers.1.linear2.weight", "decoder_module.predictor.decoder_norm.bias",
            "decoder_module.predictor.class_embed.weight", "decoder_module.predictor.mask_embed.layers.2.weight",
            "tasks.detection.query_feat.weight", "tasks.detection.query_embed.weight", "tasks.detection.bbox_embed.layers.2.weight",
            "tasks.pose.query_feat.weight", "tasks.reid.query_embed.weight",
        ];
        foreach (string key in official)
            Assert.Contains(key, keys);
        Assert.DoesNotContain(keys, k => k.Contains("bbox_embed", StringComparison.Ordinal) && !k.StartsWith("tasks.detection.", StringComparison.Ordinal));
        Assert.Equal([3, 64], model.state_dict()["tasks.detection.query_feat.weight"].shape);
        Assert.Equal([300, 2], model.state_dict()["tasks.detection.query_embed.weight"].shape);
    }

    [Fact]
    public void Every_task_computes_exactly_the_units_of_its_gate_with_the_right_shapes()
    {
        using var scope = NewDisposeScope();
        using var model = TestModels.Tiny();
        using var inference = inference_mode();
        var images = TestModels.Images(2, 64, 48);
        var tokens = model.Encode(images);
        var maskFeatures = model.MaskFeatures(tokens);
        Assert.Equal([2, 192, 4, 3], tokens.shape);
        Assert.Equal([2, 64, 16, 12], maskFeatures.shape);

        using var detection = model.Run("detection", tokens);
        Assert.Equal(OutputUnits.GlobalProbability | OutputUnits.Box, detection.Units);
        Assert.Equal([2, 900], detection.GlobalLogits!.shape);
        Assert.Equal([2, 900, 4], detection.Boxes!.shape);
        Assert.True((detection.Boxes >= 0).all().item<bool>() && (detection.Boxes <= 1).all().item<bool>());

        using var pose = model.Run("pose", tokens, maskFeatures);
        Assert.Equal(OutputUnits.LocalMap | OutputUnits.GlobalProbability, pose.Units);
        Assert.Equal([2, 17, 16, 12], pose.LocalMapLogits!.shape);
        Assert.Equal([2, 17], pose.GlobalLogits!.shape);

        using var parsing = model.Run("parsing", tokens, maskFeatures);
        Assert.Equal([2, 20, 16, 12], parsing.LocalMapLogits!.shape);

        using var attributes = model.Run("attributes", tokens);
        Assert.Equal(OutputUnits.GlobalProbability, attributes.Units);
        Assert.Equal([2, 26], attributes.GlobalLogits!.shape);

        foreach (string reid in new[] { "reid", "cloth_reid" })
        {
            using var output = model.Run(reid, tokens);
            Assert.Equal(OutputUnits.Feature, output.Units);
            Assert.Equal([2, 6 * 64], output.Features!.shape);
        }
        Assert.Throws<ArgumentException>(() => model.Run("pose", tokens));
        Assert.Throws<KeyNotFoundException>(() => model.Run("dance", tokens));
    }

    [Fact]
    public void Inputs_that_are_not_multiples_of_16_are_padded_after_normalisation()
    {
        using var scope = NewDisposeScope();
        using var model = TestModels.Tiny();
        using var inference = inference_mode();
        var image = TestModels.Images(1, 50, 37);

        var tokens = model.Encode(image);

        Assert.Equal([1, 192, 4, 3], tokens.shape);
        // Padding is zero in normalised units: the padded input equals the image padded by hand.
        var normalized = model.Backbone.Normalize(image);
        Assert.Equal([1, 3, 64, 48], normalized.shape);
        Assert.True((normalized[.., .., 50.., ..] == 0).all().item<bool>());
        Assert.True((normalized[.., .., .., 37..] == 0).all().item<bool>());
    }

    [Fact]
    public void The_vit_b_configuration_has_the_papers_parameter_counts_and_runs_on_a_crop()
    {
        using var scope = NewDisposeScope();
        TorchRuntime.EnsureLoaded();
        using var model = TestModels.Seeded(1, ModelConfig.VitBase, TaskRegistry.Standard);
        var counts = ParameterBreakdown.Of(model);

        // Counts of the official constructors (UNIHCP-SPEC): encoder 91.1 M incl. the 84x84 table.
        Assert.Equal(91_065_600, counts.Encoder);
        Assert.Equal(84 * 84 * 768, counts.PositionTable);
        Assert.Equal(3_148_288, counts.Neck);
        Assert.Equal(14_537_984, counts.Decoder);
        Assert.Equal(108_949_505, counts.Shared);
        Assert.Equal(8_704, counts.TaskSpecific["pose"]);
        Assert.Equal(10_240, counts.TaskSpecific["parsing"]);
        Assert.Equal(13_312, counts.TaskSpecific["attributes"]);
        Assert.Equal(3_072, counts.TaskSpecific["reid"]);
        Assert.Equal(133_980, counts.TaskSpecific["detection"]);
        Assert.Equal(108_958_209, counts.Shared + counts.TaskSpecific["pose"]);
        // Task-agnostic share: 99.88 % for detection (its box head is its own), >= 99.975 % for the others.
        Assert.InRange(counts.SharedFraction("detection"), 0.9987, 0.9988);
        Assert.All(new[] { "pose", "parsing", "attributes", "reid" }, t => Assert.True(counts.SharedFraction(t) >= 0.99975));

        model.eval();
        using var inference = inference_mode();
        using var output = model.Forward("pose", TestModels.Images(1, 256, 192));
        Assert.Equal([1, 17, 64, 48], output.LocalMapLogits!.shape);
        Assert.False(output.LocalMapLogits.isnan().any().item<bool>());
    }
}
