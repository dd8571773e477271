using TorchSharp;
using UniHCP.Pipeline.Inference.Model;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Inference.Tests;

public sealed class ResNetEncoderTests
{
    [Fact]
    public void Every_task_runs_on_the_resnet_encoder_with_the_same_output_shapes()
    {
        using var scope = NewDisposeScope();
        TorchRuntime.EnsureLoaded();
        using var model = TestModels.Seeded(2, ModelConfig.ResNet18, TaskRegistry.Standard);
        model.eval();
        using var inference = inference_mode();
        var images = TestModels.Images(2, 64, 40); // padded to 64 x 48 (a multiple of 16 without stage 4)

        var tokens = model.Encode(images);
        var maskFeatures = model.MaskFeatures(tokens);

        Assert.Equal([2, 256, 8, 6], tokens.shape);        // stride 8
        Assert.Equal([2, 256, 16, 12], maskFeatures.shape); // stride 4
        using var detection = model.Run("detection", tokens);
        Assert.Equal([2, 900, 4], detection.Boxes!.shape);
        using var pose = model.Run("pose", tokens, maskFeatures);
        Assert.Equal([2, 17, 16, 12], pose.LocalMapLogits!.shape);
        using var reid = model.Run("reid", tokens);
        Assert.Equal([2, 6 * 256], reid.Features!.shape);
        Assert.DoesNotContain(model.state_dict().Keys, k => k.Contains("pos_embed", StringComparison.Ordinal));
        Assert.DoesNotContain(model.state_dict().Keys, k => k.StartsWith("backbone_module.layer4.", StringComparison.Ordinal));
        using var full = TestModels.Seeded(1, ModelConfig.ResNet18Full, TaskRegistry.Standard);
        Assert.Contains("backbone_module.layer4.2.bn2.running_var", full.state_dict().Keys);
        Assert.Contains("backbone_module.layer2.0.downsample.0.weight", model.state_dict().Keys);
    }

    [Fact]
    public void A_training_step_leaves_the_frozen_batch_norm_unchanged_and_trains_the_rest()
    {
        TorchRuntime.EnsureLoaded();
        using var model = TestModels.Seeded(4, ModelConfig.ResNet18, new TaskRegistry([TaskRegistry.Detection(3, 10)]));
        model.train();
        var before = model.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone());
        var parameters = model.parameters().ToList();
        using var optimizer = optim.SGD(parameters, 0.1);

        using (var scope = NewDisposeScope())
        {
            using var output = model.Forward("detection", TestModels.Images(2, 64, 64));
            var loss = output.Boxes!.sum() + output.GlobalLogits!.sum();
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        }

        var after = model.state_dict();
        foreach (string key in before.Keys.Where(k => k.Contains("bn", StringComparison.Ordinal) || k.Contains("downsample.1", StringComparison.Ordinal)))
            Assert.True(before[key].equal(after[key]).all().item<bool>(), $"{key} changed");
        Assert.False(before["backbone_module.conv1.weight"].equal(after["backbone_module.conv1.weight"]).all().item<bool>(), "convolutions train");
        Assert.DoesNotContain(parameters, p => p.shape.Length == 1 && before.Any(b => b.Key.EndsWith("running_mean", StringComparison.Ordinal) && ReferenceEquals(after[b.Key], p)));
    }

    [Fact]
    public void The_stride_16_encoder_splits_into_a_cacheable_trunk_and_the_rest_with_the_same_tokens()
    {
        using var scope = NewDisposeScope();
        TorchRuntime.EnsureLoaded();
        using var model = TestModels.Seeded(5, ModelConfig.ResNet18Fast, new TaskRegistry([TaskRegistry.Detection(3, 10)]));
        model.eval();
        using var inference = inference_mode();
        var normalized = model.NormalizeImages(TestModels.Images(2, 80, 64));

        var whole = model.EncodeNormalized(normalized);
        var trunk = model.EncodeTrunk(normalized);
        var split = model.EncodeFromTrunk(trunk);

        Assert.Equal([2, 256, 5, 4], trunk.shape);
        Assert.Equal(whole.shape, split.shape);
        Assert.True(whole.allclose(split, rtol: 1e-5, atol: 1e-5), $"max difference {(whole - split).abs().max().item<float>()}");
        Assert.Equal(["conv1", "bn1", "layer1", "layer2", "layer3"], model.TrunkParts);
        // Stride-8 tokens also read stage 2: no single trunk tensor, and the model says so.
        using var stride8 = TestModels.Seeded(5, ModelConfig.ResNet18, new TaskRegistry([TaskRegistry.Detection(3, 10)]));
        Assert.Empty(stride8.TrunkParts);
        var error = Assert.Throws<NotSupportedException>(() => stride8.EncodeTrunk(normalized));
        Assert.Contains("r18-s16", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_trunk_also_splits_before_its_last_block_which_then_runs_with_the_rest()
    {
        using var scope = NewDisposeScope();
        TorchRuntime.EnsureLoaded();
        using var model = TestModels.Seeded(6, ModelConfig.ResNet18Fast, new TaskRegistry([TaskRegistry.Detection(3, 10)]));
        model.eval();
        using var inference = inference_mode();
        var normalized = model.NormalizeImages(TestModels.Images(2, 80, 64));

        var whole = model.EncodeNormalized(normalized);
        var beforeTail = model.EncodeTrunk(normalized, beforeTail: true);
        var split = model.EncodeFromTrunk(beforeTail, throughTail: true);

        Assert.Equal([2, 256, 5, 4], beforeTail.shape);
        Assert.False(beforeTail.allclose(model.EncodeTrunk(normalized)), "the output before the last block is not the trunk's output");
        Assert.True(whole.allclose(split, rtol: 1e-5, atol: 1e-5), $"max difference {(whole - split).abs().max().item<float>()}");
        Assert.Equal(["layer3.1"], model.TrunkTailParts);
        Assert.Equal(model.TrunkParts, model.FrozenTrunkParts(tuneTail: false));
        // Frozen parts are matched as prefixes: the tail's stage is named block by block so that its last block learns.
        var frozen = model.FrozenTrunkParts(tuneTail: true);
        var names = model.named_parameters().Select(p => p.name).Where(n => n.StartsWith("backbone_module.layer3.", StringComparison.Ordinal)).ToList();
        Assert.All(names.Where(n => n.StartsWith("backbone_module.layer3.0.", StringComparison.Ordinal)), n => Assert.Contains(frozen, part => n.StartsWith($"backbone_module.{part}.", StringComparison.Ordinal)));
        Assert.Equal(2, names.Count(n => n.StartsWith("backbone_module.layer3.1.", StringComparison.Ordinal)));
        Assert.All(names.Where(n => n.StartsWith("backbone_module.layer3.1.", StringComparison.Ordinal)), n => Assert.DoesNotContain(frozen, part => n.StartsWith($"backbone_module.{part}.", StringComparison.Ordinal)));
        using var stride8 = TestModels.Seeded(6, ModelConfig.ResNet18, new TaskRegistry([TaskRegistry.Detection(3, 10)]));
        Assert.Contains("r18-s16", Assert.Throws<ArgumentException>(() => stride8.FrozenTrunkParts(tuneTail: true)).Message, StringComparison.Ordinal);
    }
}
